import django.db.models.deletion
from django.db import migrations, models


def fill_association(apps, schema_editor):
    Invitation = apps.get_model("members", "Invitation")
    for invitation in Invitation.objects.select_related("office").all():
        invitation.association_id = invitation.office.association_id
        invitation.save(update_fields=["association"])


class Migration(migrations.Migration):
    """Office invitations become invitations to any role: office staff or city viewer."""

    dependencies = [
        ("association", "0004_corporation_head_office"),
        ("members", "0002_office_decisions_invitations"),
    ]

    operations = [
        migrations.RenameModel("OfficeInvitation", "Invitation"),
        migrations.AddField(
            model_name="invitation",
            name="association",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="association.association",
                verbose_name="association",
            ),
        ),
        migrations.RunPython(fill_association, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invitation",
            name="association",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="association.association",
                verbose_name="association",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="office",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="members.office",
                verbose_name="office",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("office_admin", "Office administrator"),
                    ("office_staff", "Office staff"),
                    ("city_viewer", "City viewer"),
                ],
                default="office_staff",
                max_length=32,
                verbose_name="role",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "city_viewer"), ("office__isnull", True))
                | models.Q(("kind__in", ["office_admin", "office_staff"]), ("office__isnull", False)),
                name="invitation_office_matches_kind",
            ),
        ),
    ]
