"""Profiles in the admin. Editors keep everyone's and credit contributors without an
account; every author edits their own (photo, role, bio, areas, links), whatever their
group, from "My profile" (admin/stories/contributor/mine/)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path, reverse

from stories.models import Contributor


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "user", "has_photo"]
    search_fields = ["name", "role"]
    autocomplete_fields = ["user", "photo", "areas"]
    filter_horizontal = []
    fields = ["name", "user", "photo", "role", "bio", "areas", "links", "slug"]
    readonly_fields = ["slug"]

    def get_urls(self):
        mine = path(
            "mine/", self.admin_site.admin_view(self.mine), name="stories_contributor_mine"
        )
        return [mine, *super().get_urls()]

    def mine(self, request):
        """The signed-in author's own profile, made for them the first time."""
        profile, _ = Contributor.objects.get_or_create(
            user=request.user,
            defaults={"name": request.user.get_full_name() or request.user.get_username()},
        )
        return redirect(reverse("admin:stories_contributor_change", args=[profile.pk]))

    def is_editor(self, request):
        return request.user.has_perm("stories.change_contributor")

    def get_queryset(self, request):
        profiles = super().get_queryset(request).select_related("user", "photo")
        return profiles if self.is_editor(request) else profiles.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        # Who a profile belongs to is the editors' to say.
        return self.readonly_fields if self.is_editor(request) else [*self.readonly_fields, "user"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) or super().has_view_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        if self.is_editor(request):
            return True
        # Anyone on the staff may open the list (of their own profile) and change their own.
        return request.user.is_staff and (obj is None or obj.user_id == request.user.pk)

    @admin.display(description="photo", boolean=True)
    def has_photo(self, profile):
        return profile.photo_id is not None
