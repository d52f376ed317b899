"""Admin pages for regions, units, officers and the logins behind them.

Officers are created and changed through ``accounts.services`` (one form for
the login, the profile, the roles and the scope); the rules live there.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.admin import TokenChangeList
from rest_framework.authtoken.models import TokenProxy
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminPasswordToggleWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from accounts import selectors, services
from accounts.admin_forms import ServiceAdminMixin, ServiceModelForm
from accounts.admin_scope import (
    EstimatedCountPaginator,
    RegionScopedAdminMixin,
    ScopedChoicesMixin,
)
from accounts.models import Officer, Region, Unit
from accounts.roles import Role

User = get_user_model()


def _within_scope(user, regions) -> bool:
    """Whether every region in ``regions`` lies in the user's scope.

    A county-scoped administrator may change a unit or an officer only when
    all of its regions are theirs: the region choices they are offered are
    their own, so saving would silently drop the regions they cannot see.
    """
    codes = selectors.visible_region_codes(user)
    return codes is None or all(region.code in codes for region in regions)


# --- Regions -------------------------------------------------------------------


class RegionForm(ServiceModelForm):
    class Meta:
        model = Region
        fields = ["name"]

    def call_service(self) -> Region:
        region = self.instance
        return services.region_upsert(
            code=region.code,
            name=self.cleaned_data["name"],
            level=region.level,
            parent=region.parent,
        )


@admin.register(Region)
class RegionAdmin(ServiceAdminMixin, ScopedChoicesMixin, ModelAdmin):
    """GB/T 2260 regions: loaded by a migration or ``load_regions``; only names change here."""

    form = RegionForm
    list_display = ["code", "name", "level", "parent_name"]
    list_filter = [("level", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = ["code", "name"]
    search_help_text = "按区划代码或名称搜索"
    list_select_related = ["parent"]
    readonly_fields = ["code", "level", "parent", "path", "updated_at"]
    fields = ["code", "name", "level", "parent", "path", "updated_at"]
    ordering = ["code"]
    list_per_page = 50

    @display(description="上级区划", ordering="parent__code")
    def parent_name(self, obj: Region) -> str:
        return obj.parent.name if obj.parent_id else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Units ---------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(ScopedChoicesMixin, ModelAdmin):
    """执法单位 and the regions each covers (an officer without own regions inherits them)."""

    list_display = ["name", "kind", "region_names"]
    list_filter = [("kind", ChoicesDropdownFilter)]
    list_filter_submit = True
    search_fields = ["name"]
    autocomplete_fields = ["regions"]
    fields = ["name", "kind", "regions", "updated_at"]
    readonly_fields = ["updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regions")

    @display(description="管辖区划")
    def region_names(self, obj: Unit) -> str:
        return "、".join(region.name for region in obj.regions.all()) or "—"

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or _within_scope(request.user, obj.regions.all()))

    def has_delete_permission(self, request, obj=None) -> bool:
        # Officers point at units (PROTECT); a unit that is dissolved keeps its history.
        return False


# --- Officers ------------------------------------------------------------------


def _role_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="角色",
        choices=Role.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="执法人员、法制审核和负责人须填写执法证号",
    )


class OfficerCreateForm(ServiceModelForm):
    """One form for a new staff account: login, profile, roles and region scope."""

    username = User._meta.get_field("username").formfield(
        label="用户名", widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"})
    )
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=UnfoldAdminPasswordToggleWidget(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        widget=UnfoldAdminPasswordToggleWidget(attrs={"autocomplete": "new-password"}),
        help_text="再次输入相同的密码",
    )
    roles = _role_field()
    field_aliases = {"password": "password1"}

    class Meta:
        model = Officer
        fields = ["name", "badge_number", "unit", "certificate_valid_until", "regions", "phone"]

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("两次输入的密码不一致")
        return second

    def call_service(self) -> Officer:
        data = self.cleaned_data
        return services.officer_create(
            username=data["username"],
            password=data["password1"],
            name=data["name"],
            roles=list(data["roles"]),
            badge_number=data["badge_number"],
            unit=data["unit"],
            certificate_valid_until=data["certificate_valid_until"],
            region_codes=[region.code for region in data["regions"]],
            phone=data["phone"],
            actor=self.request.user if self.request else None,
        )


class OfficerChangeForm(ServiceModelForm):
    roles = _role_field()
    is_active = forms.BooleanField(
        label="账号有效",
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text="离岗人员关闭后即不能登录；记录保留",
    )

    class Meta:
        model = Officer
        fields = ["name", "badge_number", "unit", "certificate_valid_until", "regions", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user
        if "roles" in self.fields:
            self.fields["roles"].initial = sorted(selectors.user_roles(user))
        if "is_active" in self.fields:
            self.fields["is_active"].initial = user.is_active

    def call_service(self) -> Officer:
        data = self.cleaned_data
        return services.officer_update(
            officer=self.instance,
            name=data["name"],
            roles=list(data["roles"]),
            badge_number=data["badge_number"] or "",
            unit=data["unit"],
            certificate_valid_until=data["certificate_valid_until"],
            region_codes=[region.code for region in data["regions"]],
            phone=data["phone"],
            is_active=data["is_active"],
            actor=self.request.user if self.request else None,
        )


class RoleFilter(DropdownFilter):
    title = "角色"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            return queryset.filter(user__groups__name=self.value())
        return queryset


@admin.register(Officer)
class OfficerAdmin(ServiceAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """执法人员: city staff see everyone, a brigade its own regions' officers."""

    list_display = [
        "name",
        "username",
        "badge_number",
        "unit",
        "roles",
        "region_names",
        "certificate_valid_until",
        "is_active",
    ]
    list_filter = [
        RoleFilter,
        ("unit", RelatedDropdownFilter),
        ("user__is_active", BooleanRadioFilter),
    ]
    list_filter_submit = True
    search_fields = ["name", "badge_number", "user__username"]
    search_help_text = "按姓名、执法证号或用户名搜索"
    autocomplete_fields = ["unit", "regions"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    add_fieldsets = [
        ("登录账号", {"fields": ["username", "password1", "password2"]}),
        ("执法人员信息", {"fields": ["name", "badge_number", "certificate_valid_until", "phone"]}),
        ("角色与管辖范围", {"fields": ["roles", "unit", "regions"]}),
    ]
    fieldsets = [
        ("登录账号", {"fields": ["username", "password_link", "is_active"]}),
        ("执法人员信息", {"fields": ["name", "badge_number", "certificate_valid_until", "phone"]}),
        ("角色与管辖范围", {"fields": ["roles", "unit", "regions", "scope_summary"]}),
    ]
    readonly_fields = ["username", "password_link", "scope_summary"]

    def get_queryset(self, request):
        return selectors.officer_list(user=request.user).prefetch_related("unit__regions")

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=selectors.officer_list(user=request.user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = OfficerChangeForm if obj is not None else OfficerCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        regions = list(obj.regions.all()) or (list(obj.unit.regions.all()) if obj.unit else [])
        return _within_scope(request.user, regions)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Records name their officers; one who leaves is deactivated instead.
        return False

    @display(description="用户名", ordering="user__username")
    def username(self, obj: Officer) -> str:
        return obj.user.username

    @display(description="角色")
    def roles(self, obj: Officer) -> str:
        names = {group.name for group in obj.user.groups.all()}
        return "、".join(role.label for role in Role if role.value in names) or "—"

    @display(description="管辖区划")
    def region_names(self, obj: Officer) -> str:
        own = [region.name for region in obj.regions.all()]
        if own:
            return "、".join(own)
        inherited = [region.name for region in obj.unit.regions.all()] if obj.unit else []
        return f"随单位：{'、'.join(inherited)}" if inherited else "全市"

    @display(description="账号有效", boolean=True)
    def is_active(self, obj: Officer) -> bool:
        return obj.user.is_active

    @display(description="密码")
    def password_link(self, obj: Officer) -> str:
        url = reverse("admin:auth_user_password_change", args=[obj.user_id])
        return format_html('<a href="{}" class="text-primary-600">修改密码</a>', url)

    @display(description="实际管辖范围")
    def scope_summary(self, obj: Officer) -> str:
        return self.region_names(obj)


# --- Logins, roles and API tokens, in the admin's theme ----------------------

admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    """Logins. Staff accounts are created under 执法人员, which sets the profile too."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    """Role groups; their permissions are set from accounts/roles.py after every migrate."""


@admin.register(TokenProxy)
class TokenAdmin(BaseTokenAdmin, ModelAdmin):
    autocomplete_fields = ["user"]

    def get_changelist(self, request, **kwargs):
        return TokenChangeList
