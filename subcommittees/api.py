from django.db.models import QuerySet
from rest_framework import generics, serializers

from association.permissions import AccessPolicy
from subcommittees.models import Subcommittee
from subcommittees.selectors import subcommittees_with_office_counts


class SubcommitteeSerializer(serializers.ModelSerializer):
    office_count = serializers.IntegerField()

    class Meta:
        model = Subcommittee
        fields = ["id", "kind", "name", "office_count"]


class SubcommitteeListView(generics.ListAPIView):
    access_policy = AccessPolicy(capability="members.directory")
    serializer_class = SubcommitteeSerializer
    queryset = Subcommittee.objects.none()
    pagination_class = None

    def get_queryset(self) -> QuerySet[Subcommittee]:
        return subcommittees_with_office_counts()
