from django.db.models import QuerySet
from rest_framework import generics, serializers

from association.permissions import AccessPolicy
from members.models import Office, OfficeStatus
from members.selectors import office_list


class OfficeSerializer(serializers.ModelSerializer):
    corporation = serializers.CharField(source="corporation.name")
    service_codes = serializers.SerializerMethodField()

    class Meta:
        model = Office
        fields = ["id", "name", "kana", "provider_number", "corporation", "service_codes", "status"]

    def get_service_codes(self, office: Office) -> list[str]:
        return [service.service_code for service in office.services.all()]


class OfficeListView(generics.ListAPIView):
    """Approved member offices of the association (the member directory)."""

    access_policy = AccessPolicy(capability="members.directory")
    serializer_class = OfficeSerializer
    queryset = Office.objects.none()

    def get_queryset(self) -> QuerySet[Office]:
        return office_list().filter(status=OfficeStatus.APPROVED).order_by("kana", "pk")
