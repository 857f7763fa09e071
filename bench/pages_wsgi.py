"""The app plus its uploaded pictures, served as the proxy in front of it serves them in
production, so that Lighthouse sees the pages whole (bench/pages.py)."""

from django.conf import settings
from whitenoise import WhiteNoise

from shop.wsgi import application as django_application

application = WhiteNoise(django_application)
application.add_files(str(settings.MEDIA_ROOT), prefix=settings.MEDIA_URL)
