from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0002_supporter_site_index_in_unique_constraint"),
    ]

    operations = [
        migrations.AddField(
            model_name="signup",
            name="proposed_details",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="details waiting for confirmation"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed a person"),
                    ("export_list", "Exported a list"),
                    ("export_person", "Exported a person's data"),
                    ("erase", "Erased a person"),
                    ("paper", "Entered paper signatures"),
                    ("import", "Imported paper signatures"),
                    ("purge", "Removed expired data"),
                    ("merge", "Merged people with the same mailbox"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
