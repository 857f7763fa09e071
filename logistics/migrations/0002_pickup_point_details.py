"""Pickup points gain a kind, a GPS point, weekly opening hours, a phone, a
parcel capacity and cold storage. The free-text opening hours give way to the
structured ones: no point was ever recorded with them (nor with a point), so
rows made before this get 0,0 and a capacity of 1 for an operator to correct."""

import re

import django.core.validators
import phonenumber_field.modelfields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(model_name='pickuppoint', name='opening_hours'),
        migrations.AddField(
            model_name='pickuppoint',
            name='opening_hours',
            field=models.JSONField(blank=True, default=dict, verbose_name='opening hours'),
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='kind',
            field=models.CharField(choices=[('village_station', 'Village service station'), ('township_station', 'Township service station'), ('county_hub', 'County logistics hub')], default='village_station', max_length=20, verbose_name='kind'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='latitude',
            field=models.DecimalField(decimal_places=6, default=0, max_digits=9, validators=[django.core.validators.MinValueValidator(-90), django.core.validators.MaxValueValidator(90)], verbose_name='latitude'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='longitude',
            field=models.DecimalField(decimal_places=6, default=0, max_digits=9, validators=[django.core.validators.MinValueValidator(-180), django.core.validators.MaxValueValidator(180)], verbose_name='longitude'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='phone',
            field=phonenumber_field.modelfields.PhoneNumberField(blank=True, max_length=128, region='CN', verbose_name='phone'),
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='parcel_capacity',
            field=models.PositiveIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='parcel capacity'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='pickuppoint',
            name='cold_storage',
            field=models.BooleanField(default=False, verbose_name='cold storage'),
        ),
        migrations.AlterField(
            model_name='pickuppoint',
            name='division_code',
            field=models.CharField(db_index=True, max_length=12, validators=[django.core.validators.RegexValidator(re.compile('^[0-9]{12}$'))], verbose_name='administrative division code'),
        ),
        migrations.AddConstraint(
            model_name='pickuppoint',
            constraint=models.CheckConstraint(condition=models.Q(('division_code__regex', '^[0-9]{12}$')), name='pickup_point_division_code_12'),
        ),
        migrations.AddConstraint(
            model_name='pickuppoint',
            constraint=models.CheckConstraint(condition=models.Q(('latitude__gte', -90), ('latitude__lte', 90), ('longitude__gte', -180), ('longitude__lte', 180)), name='pickup_point_on_earth'),
        ),
        migrations.AddConstraint(
            model_name='pickuppoint',
            constraint=models.CheckConstraint(condition=models.Q(('parcel_capacity__gt', 0)), name='pickup_point_capacity_positive'),
        ),
        migrations.AddConstraint(
            model_name='pickuppoint',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['village_station', 'township_station', 'county_hub'])), name='pickup_point_kind_known'),
        ),
    ]
