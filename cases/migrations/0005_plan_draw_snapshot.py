from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_inspections_offsite_records_ladder'),
    ]

    operations = [
        migrations.AddField(
            model_name='inspectionplan',
            name='draw_snapshot',
            field=models.JSONField(blank=True, default=dict, editable=False, help_text='抽取时的各对象库候选企业、各区划可抽执法人员及上次检查人员，供按种子复核', verbose_name='抽取底数'),
        ),
    ]
