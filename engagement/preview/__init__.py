"""The impact preview: what a draft version would change, in words and in figures."""
