import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("congress", "0002_speaker_site")]

    operations = [
        migrations.AlterField(
            model_name="speaker",
            name="site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="wagtailcore.site",
                verbose_name="organisation's site",
                help_text="The organisation whose congresses this speaker appears at.",
            ),
        ),
    ]
