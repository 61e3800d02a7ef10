"""The decimal mark an import run reads ambiguous amounts with."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("seizures", "0005_seizure_occurred_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="decimal_mark",
            field=models.CharField(
                choices=[
                    ("auto", "As the file shows"),
                    ("point", "Point: 1,234.5"),
                    ("comma", "Comma: 1.234,5"),
                ],
                default="auto",
                max_length=5,
                verbose_name="decimal mark",
            ),
        ),
    ]
