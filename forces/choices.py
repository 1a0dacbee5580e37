"""Vocabulary of the forces app, readable without the models."""

from django.db import models


class Platform(models.TextChoices):
    TWITTER = "twitter", "X / Twitter"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    NEXTDOOR = "nextdoor", "Nextdoor"
    WHATSAPP = "whatsapp", "WhatsApp"
    BLOG = "blog", "Blog"
    WEBSITE = "website", "Website"
    EMAIL = "email", "Email"
    OFFLINE = "offline", "Offline (meetings, volunteers, panels)"
