from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from forces.selectors import forces_by_region


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/overview.html", {"regions": forces_by_region()})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
