"""The Jira Cloud / Jira Service Management connector: JQL reads, bulk changelogs, label writes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from slabridge.connectors.base import (
    Capabilities,
    ChangeSet,
    Checkpoint,
    CheckProblem,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
    WriteOutcome,
    WriteResult,
)
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.connectors.oauth import OAuth2, OAuthError
from slabridge.connectors.paging import OffsetPage, OffsetPages, TokenPages
from slabridge.connectors.write_fields import HelpdeskField, write_field_problems
from slabridge.sla.ticket import Ticket, TicketError
from slabridge_jira.auth import jira_auth, rejected_credentials
from slabridge_jira.config import JiraConfig
from slabridge_jira.helpdesk_sla import read_helpdesk_slas
from slabridge_jira.mapping import (
    SiteMeta,
    comments_may_be_truncated,
    comments_of,
    error_text,
    format_jira_time,
    map_issue,
    parse_jira_time,
    site_meta,
    user_time_zone,
)
from slabridge_jira.offset_search import offset_pages
from slabridge_jira.service_desk_comments import needs_service_desk_view, request_comments
from slabridge_jira.token_search import shift_safe_pages

log = structlog.get_logger("slabridge.jira")
_MAX_KEYS = 100_000

API = "/rest/api/3"  # Cloud; Data Center / Server: JiraConfig.api ("/rest/api/2")
# System fields a sync needs; every custom field is added by id (see _search_fields).
BASE_FIELDS = (
    "summary",
    "status",
    "priority",
    "labels",
    "created",
    "updated",
    "reporter",
    "issuetype",
    "components",
    "project",
    "comment",
    "assignee",
)
# Labels too: they are tags, for pause_when/stop_when conditions (plus `history_fields`);
# the assignee for group ownership (plus the mapping's `group_field`).
CHANGELOG_FIELDS = ("status", "priority", "labels", "assignee")
FETCH_CHUNK = 100  # ids per fetch batch (one bulk changelog)
# Ids per fetch search: the most `reconcileIssues` takes (Jira's search is eventually
# consistent; reconciling makes a just-written issue show as it is now, not missing or stale).
RECONCILE_LIMIT = 50
COMMENT_PAGE = 100  # the comment endpoint's documented maximum maxResults
# "An issue with key '10999' does not exist for field 'issuekey'."
_MISSING_ISSUE = re.compile(r"issue with key '([^']+)' does not exist")
BULK_CHANGELOG_MAX_ISSUES = 1000


def _next_page_token(answer: Any) -> str | None:
    """The token of the page after ``answer``; None on the last page (``isLast``, no token)."""
    if not isinstance(answer, Mapping) or answer.get("isLast") is True:
        return None
    token = answer.get("nextPageToken")
    return token if isinstance(token, str) and token else None


def jql_time(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` as a JQL date (``yyyy-MM-dd HH:mm``) in ``zone``, never later than ``moment``.

    JQL reads the literal in the API user's profile time zone with minute precision, so the
    instant is floored to the minute; a wall time that a DST change makes ambiguous, where Jira
    might take the later reading, is moved an hour earlier so that every reading is at or before
    ``moment``.
    """
    wall = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    readings = [wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    if max(readings) > moment:
        wall -= timedelta(hours=1)
    return wall.strftime("%Y-%m-%d %H:%M")


def build_jql(
    projects: Sequence[str], extra: str | None, since: datetime | None, zone: ZoneInfo
) -> str:
    """The bounded sync query: projects, optional admin filter, ``updated >=``, stable order."""
    keys = ", ".join(f'"{key}"' for key in projects)
    clauses = [f"project in ({keys})"]
    if extra:
        clauses.append(f"({extra})")
    if since is not None:
        clauses.append(f'updated >= "{jql_time(since, zone)}"')
    return " AND ".join(clauses) + " ORDER BY updated ASC, key ASC"


class JiraConnector(Connector):
    """Jira Cloud REST v3 (+ JSM comment visibility): see docs/connectors/jira.md."""

    type_name = "jira"
    config_model = JiraConfig
    capabilities = Capabilities(
        tags=True, priority=True, fields=True, bulk_tags=False, conflict_check=False
    )

    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        if key in ("labels", "priority"):
            return f"{key} is written through actions.tags / escalate_priority, not as a field"
        if not key.strip() or any(c.isspace() for c in key):
            return "a Jira field id has no spaces, e.g. customfield_10050 or duedate"
        return None

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig | Mapping[str, Any],
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = 1.0,
        oauth_clock: Callable[[], float] | None = None,
    ) -> None:
        jira = (
            config
            if isinstance(config, JiraConfig)
            else JiraConfig.model_validate(
                config.model_dump() if isinstance(config, ConnectorConfig) else config
            )
        )
        super().__init__(instance, jira)
        self.jira = jira
        self.api = jira.api
        self.data_center = jira.deployment == "data_center"
        # Issue keys by id, as read: alerts link to /browse/KEY (the id is not a browse path).
        self._keys: dict[str, str] = {}
        self.auth = jira_auth(jira, instance, sleep=sleep, clock=oauth_clock)
        self.http = HttpClient(
            jira.url,
            auth=self.auth,
            timeout=jira.timeout,
            max_attempts=jira.max_attempts,
            backoff_base=backoff_base,
            requests_per_minute=jira.requests_per_minute,
            secrets=jira.secrets(),
            sleep=sleep,
            connector=instance,
        )
        self._zone: ZoneInfo | None = None
        self._meta: SiteMeta | None = None
        self._bulk_changelog = jira.changelog == "bulk"
        self._who = jira.email or "the token's user"

    # -- site facts, fetched once per connector ------------------------------------------

    def time_zone(self) -> ZoneInfo:
        """The API user's profile time zone, in which Jira reads JQL dates."""
        if self._zone is None:
            me = self.http.get(f"{self.api}/myself").json()
            zone = user_time_zone(me)
            if zone is None:
                log.warning("jira_no_user_time_zone", connector=self.instance, assumed="UTC")
            self._zone = zone or ZoneInfo("UTC")
        return self._zone

    def site_meta(self) -> SiteMeta:
        """Statuses (for category fallback of past statuses) and fields (ids, schemas)."""
        if self._meta is None:
            statuses = self.http.get(f"{self.api}/status").json()
            fields = self.http.get(f"{self.api}/field").json()
            self._meta = site_meta(statuses, fields)
        return self._meta

    def _search_fields(self, meta: SiteMeta) -> list[str]:
        custom = sorted(key for key, field in meta.fields.items() if field.get("custom"))
        return [*BASE_FIELDS, *custom]

    # -- check ----------------------------------------------------------------------------

    def check(self) -> list[CheckProblem]:
        problems: list[CheckProblem] = []
        try:
            me = self.http.get(f"{self.api}/myself").json()
        except HttpError as exc:
            if isinstance(exc, OAuthError):
                return [CheckProblem(f"Jira OAuth: {exc}")]
            if exc.status in (401, 403):
                return [rejected_credentials(self.jira, exc.status)]
            return [CheckProblem(f"cannot reach Jira at {self.jira.url}: {exc}")]
        # Data Center has no email in the config: name the token's user as /myself does.
        self._who = self.jira.email or (
            str(me.get("name") or me.get("displayName") or "the token's user")
            if isinstance(me, Mapping)
            else "the token's user"
        )
        for project in self.jira.projects:
            problems.extend(self._check_project(project))
        try:
            meta = self.site_meta()
        except HttpError as exc:
            return [*problems, CheckProblem(f"cannot list Jira fields: {exc}")]
        for field_id in self.jira.mapping.custom_fields():
            if field_id not in meta.fields:
                problems.append(
                    CheckProblem(
                        f"mapped field {field_id} does not exist on {self.jira.url}",
                        hint="find the id under Settings > Issues > Custom fields, or with "
                        f"GET {self.api}/field; set it in the connector's mapping",
                    )
                )
        return problems

    def _check_project(self, project: str) -> list[CheckProblem]:
        try:
            answer = self.http.get(
                f"{self.api}/mypermissions",
                params={"projectKey": project, "permissions": "BROWSE_PROJECTS,EDIT_ISSUES"},
            ).json()
        except HttpError as exc:
            if exc.status in (400, 404):
                return [
                    CheckProblem(
                        f"project {project} does not exist or {self._who} cannot see it",
                        hint="check `projects:` and the project's permission scheme",
                    )
                ]
            raise
        granted = answer.get("permissions", {}) if isinstance(answer, Mapping) else {}

        def has(key: str) -> bool:
            entry = granted.get(key)
            return isinstance(entry, Mapping) and entry.get("havePermission") is True

        problems = []
        if not has("BROWSE_PROJECTS"):
            problems.append(
                CheckProblem(
                    f"{self._who} lacks Browse Projects on {project}: reading issues needs it",
                    hint="add the account to a role with Browse Projects (JSM: an agent)",
                )
            )
        if not has("EDIT_ISSUES"):
            problems.append(
                CheckProblem(
                    f"{self._who} lacks Edit Issues on {project}: writing labels, "
                    "priority and fields needs it",
                    hint="add the account to a role with Edit Issues (JSM: an agent)",
                )
            )
        return problems

    # -- read -----------------------------------------------------------------------------

    def _read_window(self, cursor: str | None) -> tuple[InclusiveCursor, datetime | None]:
        """The cursor's state and the ``updated >=`` instant a read from it asks for."""
        lookback = timedelta(minutes=self.jira.lookback_minutes)
        state = InclusiveCursor.decode(cursor, lookback=lookback)
        return state, state.start if state.at is not None else self.jira.start

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state, window = self._read_window(cursor)
        zone = self.time_zone()
        meta = self.site_meta()
        jql = build_jql(self.jira.projects, self.jira.jql, window, zone)
        already_seen = 0
        pages = (
            self._offset_search_pages(window, zone, meta)
            if self.data_center
            else shift_safe_pages(
                lambda since: self._search_pages(
                    build_jql(self.jira.projects, self.jira.jql, since, zone), meta
                ),
                window,
                connector=self.instance,
            )
        )
        for page in pages:
            fresh = []
            for issue in page:
                updated = parse_jira_time((issue.get("fields") or {}).get("updated"))
                if updated is None or state.admit(str(issue.get("id", "")), updated):
                    fresh.append(issue)
                else:
                    already_seen += 1
            yield from self._complete(fresh, meta)
            yield Checkpoint(self._encode(state, window))
        log.info("jira_read_done", connector=self.instance, already_seen=already_seen, jql=jql)
        yield Checkpoint(self._encode(state, window))

    def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
        """The fields ``actions.fields`` names exist on the site and can hold the value.

        Kinds by the field's schema type (``GET /field``), as :func:`field_write_value` writes
        them: the due time into a datetime, date or text field (a date keeps the day only, so
        it is refused), the flag into a number, select, checkboxes or text field.
        """
        if not wanted:
            return []
        try:
            details = self.site_meta().fields
        except HttpError as exc:
            return [CheckProblem(f"cannot list the site's fields: {exc}")]
        found = {}
        for key, info in details.items():
            schema = info.get("schema") if isinstance(info, Mapping) else None
            kind = schema.get("type") if isinstance(schema, Mapping) else None
            found[str(key)] = HelpdeskField(str(key), None if kind is None else str(kind))
        accepts = {
            "due_at": frozenset({"datetime", "string"}),
            "breached": frozenset({"number", "option", "array", "string"}),
        }
        return write_field_problems(self.instance, wanted, found, accepts, "Jira field")

    def estimate_changed(self, cursor: str | None) -> int | None:
        """How many issues the read's JQL matches.

        Cloud: ``POST /search/approximate-count`` (its search has no total). Data Center:
        the v2 search's ``total`` for ``maxResults: 0``.
        """
        _, window = self._read_window(cursor)
        jql = build_jql(self.jira.projects, self.jira.jql, window, self.time_zone())
        try:
            if self.data_center:
                body = self.http.post(
                    f"{self.api}/search", json={"jql": jql, "maxResults": 0, "fields": ["id"]}
                ).json()
                count = body.get("total") if isinstance(body, dict) else None
            else:
                body = self.http.post(
                    f"{self.api}/search/approximate-count", json={"jql": jql}
                ).json()
                count = body.get("count") if isinstance(body, dict) else None
        except (HttpError, ValueError):
            return None
        return count if isinstance(count, int) and count >= 0 else None

    def _encode(self, state: InclusiveCursor, window: datetime | None) -> str:
        """The cursor; before anything was read from a configured ``start``, that start."""
        if state.at is None and window is not None:
            return InclusiveCursor.starting_at(window + state.lookback, lookback=state.lookback)
        return state.encode()

    def _search_pages(self, jql: str, meta: SiteMeta) -> Iterator[list[Mapping[str, Any]]]:
        """Cloud: ``POST /rest/api/3/search/jql`` by ``nextPageToken`` until ``isLast``."""
        fields = self._search_fields(meta)

        def search(token: str | None) -> Any:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": self.jira.page_size}
            if token is not None:
                body["nextPageToken"] = token
            return self.http.post(f"{self.api}/search/jql", json=body).json()

        pages = TokenPages(search, _next_page_token)
        for answer in pages:
            issues = answer.get("issues") or []
            yield [issue for issue in issues if isinstance(issue, Mapping)]
        if pages.repeated:
            log.warning("jira_repeated_page_token", connector=self.instance)

    def _offset_search_pages(
        self, window: datetime | None, zone: ZoneInfo, meta: SiteMeta
    ) -> Iterator[list[Mapping[str, Any]]]:
        """Data Center: ``POST /rest/api/2/search`` by ``startAt``, changelogs expanded."""
        fields = self._search_fields(meta)

        def search(jql: str, start: int) -> Mapping[str, Any]:
            body = {
                "jql": jql,
                "startAt": start,
                "maxResults": self.jira.page_size,
                "fields": fields,
                "expand": ["changelog"],
            }
            answer = self.http.post(f"{self.api}/search", json=body).json()
            return answer if isinstance(answer, Mapping) else {}

        def jql_since(since: datetime | None) -> str:
            return build_jql(self.jira.projects, self.jira.jql, since, zone)

        yield from offset_pages(
            search, jql_since, window, page_size=self.jira.page_size, connector=self.instance
        )

    @property
    def _search_path(self) -> str:
        """Cloud's token-paged ``search/jql``; Data Center's ``search`` (paged by offset)."""
        return f"{self.api}/search" if self.data_center else f"{self.api}/search/jql"

    def _complete(
        self, issues: Sequence[Mapping[str, Any]], meta: SiteMeta
    ) -> Iterator[Ticket | Skipped]:
        """Add changelogs and any comments past the embedded page, then map each issue."""
        if not issues:
            return
        ids = [str(issue.get("id")) for issue in issues if issue.get("id") is not None]
        histories = {} if self.data_center else self._changelogs(ids)
        for issue in issues:
            issue_id = str(issue.get("id")) if issue.get("id") is not None else None
            self._remember_key(issue, issue_id)
            try:
                yield self._completed(issue, issue_id, histories, meta)
            except TicketError as exc:
                log.warning("jira_issue_skipped", connector=self.instance, reason=str(exc))
                yield Skipped(issue_id, str(exc))
            except (TypeError, AttributeError, KeyError, ValueError) as exc:
                # A record of an unexpected shape: skip it rather than stop every later read.
                reason = f"malformed issue ({type(exc).__name__}: {exc})"
                log.warning("jira_issue_skipped", connector=self.instance, reason=reason)
                yield Skipped(issue_id, reason)
            except HttpError as exc:
                if exc.retryable or exc.status != 404:
                    raise
                yield Skipped(issue_id, "issue deleted while it was being read", gone=True)

    def _remember_key(self, issue: Mapping[str, Any], issue_id: str | None) -> None:
        """Keep the issue's key by id (for links to it)."""
        if issue_id is not None and isinstance(issue.get("key"), str):
            if len(self._keys) >= _MAX_KEYS:
                self._keys.clear()  # bounded; a link missing for an old id is harmless
            self._keys[issue_id] = issue["key"]

    def _completed(
        self,
        issue: Mapping[str, Any],
        issue_id: str | None,
        histories: dict[str, list[Mapping[str, Any]]],
        meta: SiteMeta,
    ) -> Ticket:
        """One issue mapped, with its full changelog (Data Center: the expanded one) and
        comments."""
        if self.data_center and issue_id is not None:
            histories[issue_id] = self._expanded_changelog(issue, issue_id)
        fields = issue.get("fields") or {}
        comments = self._issue_comments(issue_id, fields)
        return map_issue(
            issue, histories.get(issue_id or "", []), comments, self.jira.mapping, meta
        )

    def _issue_comments(self, issue_id: str | None, fields: Any) -> list[Mapping[str, Any]]:
        """The embedded comments, or all of them when the embedded page may be cut short
        (Data Center: the service desk's view, which says which are internal)."""
        comments, total = comments_of(fields if isinstance(fields, Mapping) else {})
        if issue_id is None:
            return comments
        if self.data_center:
            if needs_service_desk_view(fields, comments, total):
                return self._service_desk_comments(issue_id)
            return comments
        if comments_may_be_truncated(comments, total):
            return self._all_comments(issue_id)
        return comments

    def _changelogs(self, ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
        if self._bulk_changelog:
            try:
                return self._bulk_changelogs(ids)
            except HttpError as exc:
                if exc.retryable or exc.status not in (400, 403, 404, 405, 501):
                    raise
                log.warning(
                    "jira_bulk_changelog_unavailable", connector=self.instance, status=exc.status
                )
                self._bulk_changelog = False
        return {issue_id: self._issue_changelog(issue_id) for issue_id in ids}

    def _bulk_changelogs(self, ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
        found: dict[str, list[Mapping[str, Any]]] = {issue_id: [] for issue_id in ids}
        group_field = [self.jira.mapping.group_field] if self.jira.mapping.group_field else []
        for start in range(0, len(ids), BULK_CHANGELOG_MAX_ISSUES):
            chunk = list(ids[start : start + BULK_CHANGELOG_MAX_ISSUES])

            def bulkfetch(token: str | None, chunk: list[str] = chunk) -> Any:
                body: dict[str, Any] = {
                    "issueIdsOrKeys": chunk,
                    "fieldIds": [*CHANGELOG_FIELDS, *self.jira.history_fields, *group_field],
                    "maxResults": 1000,
                }
                if token is not None:
                    body["nextPageToken"] = token
                return self.http.post(f"{self.api}/changelog/bulkfetch", json=body).json()

            for answer in TokenPages(bulkfetch, _next_page_token):
                for entry in answer.get("issueChangeLogs") or []:
                    issue_id = str(entry.get("issueId"))
                    found.setdefault(issue_id, []).extend(entry.get("changeHistories") or [])
        return found

    def _expanded_changelog(
        self, issue: Mapping[str, Any], issue_id: str
    ) -> list[Mapping[str, Any]]:
        """Data Center: the histories of ``expand=changelog``; if the embedded page is cut
        short, the issue is read again on its own with its changelog."""
        changelog = issue.get("changelog")
        if not isinstance(changelog, Mapping):
            changelog = {}
        histories = [h for h in changelog.get("histories") or [] if isinstance(h, Mapping)]
        total = changelog.get("total")
        if isinstance(total, int) and total > len(histories):
            answer = self.http.get(
                f"{self.api}/issue/{issue_id}",
                params={"fields": "updated", "expand": "changelog"},
            ).json()
            again = answer.get("changelog") if isinstance(answer, Mapping) else None
            more = again.get("histories") if isinstance(again, Mapping) else None
            if isinstance(more, list) and len(more) > len(histories):
                histories = [h for h in more if isinstance(h, Mapping)]
            known = again.get("total") if isinstance(again, Mapping) else None
            if isinstance(known, int) and known > len(histories):
                log.warning(
                    "jira_changelog_truncated",
                    connector=self.instance,
                    issue=issue_id,
                    read=len(histories),
                    total=known,
                )
        return histories

    def _issue_changelog(self, issue_id: str) -> list[Mapping[str, Any]]:
        def page(start: int) -> OffsetPage[Any]:
            answer = self.http.get(
                f"{self.api}/issue/{issue_id}/changelog",
                params={"startAt": start, "maxResults": 100},
            ).json()
            # No isLast: the answer holds every history (older servers).
            return OffsetPage(answer.get("values") or [], last=bool(answer.get("isLast", True)))

        return [history for values in OffsetPages(page, page_size=100) for history in values]

    def _service_desk_comments(self, issue_id: str) -> list[Mapping[str, Any]]:
        """Data Center: the JSM request's comments with ``public``; for an issue outside a
        service desk (404 there), the platform's comments, all public unless restricted."""
        found = request_comments(self.http, issue_id)
        return list(found) if found is not None else self._all_comments(issue_id)

    def _all_comments(self, issue_id: str) -> list[Mapping[str, Any]]:
        """Every comment of the issue, oldest first, from the paged comment endpoint."""

        def page(start: int) -> OffsetPage[Mapping[str, Any]]:
            answer = self.http.get(
                f"{self.api}/issue/{issue_id}/comment",
                params={"startAt": start, "maxResults": COMMENT_PAGE, "orderBy": "created"},
            ).json()
            total, size = answer.get("total"), answer.get("maxResults")
            # Jira may cap maxResults below what was asked, so the answer's own size decides
            # whether a short page is the last one when no total is given.
            return OffsetPage(
                [c for c in answer.get("comments") or [] if isinstance(c, Mapping)],
                total=total if isinstance(total, int) else None,
                limit=size if isinstance(size, int) and size > 0 else None,
            )

        pages = OffsetPages(page, page_size=COMMENT_PAGE)
        return [comment for comments in pages for comment in comments]

    # -- fetch ----------------------------------------------------------------------------

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        meta = self.site_meta()
        fields = self._search_fields(meta)
        for start in range(0, len(ticket_ids), FETCH_CHUNK):
            chunk = [str(ticket_id) for ticket_id in ticket_ids[start : start + FETCH_CHUNK]]
            found = [
                issue
                for part in range(0, len(chunk), RECONCILE_LIMIT)
                for issue in self._fetch_chunk(chunk[part : part + RECONCILE_LIMIT], fields)
            ]
            by_id = {str(issue.get("id")): issue for issue in found}
            by_key = {str(issue.get("key")): issue for issue in found}
            ordered = []
            for ticket_id in chunk:
                issue = by_id.get(ticket_id) or by_key.get(ticket_id)
                if issue is None:
                    yield Skipped(
                        ticket_id, "issue not found (deleted, moved or not visible)", gone=True
                    )
                else:
                    ordered.append(issue)
            yield from self._complete(ordered, meta)

    def _fetch_chunk(self, chunk: Sequence[str], fields: list[str]) -> list[Mapping[str, Any]]:
        """Search ``issuekey in (...)``; JQL fails the whole query when a listed issue is gone,
        so drop the ones Jira names and search again, else ask one by one."""
        wanted = list(chunk)
        for _attempt in range(2):
            if not wanted:
                return []
            listed = ", ".join(ref if ref.isdigit() else f'"{ref}"' for ref in wanted)
            body: dict[str, Any] = {
                "jql": f"issuekey in ({listed})",
                "fields": fields,
                "maxResults": len(wanted),
            }
            if self.data_center:
                body["expand"] = ["changelog"]
            else:
                numeric = [int(ref) for ref in wanted if ref.isdigit()]
                if numeric:  # read-after-write: an issue we just wrote is found as it is now
                    body["reconcileIssues"] = numeric
            try:
                answer = self.http.post(self._search_path, json=body).json()
            except HttpError as exc:
                if exc.retryable or exc.status != 400:
                    raise
                gone = set(_MISSING_ISSUE.findall(exc.detail))
                if not gone or not gone <= set(wanted):
                    break
                wanted = [ref for ref in wanted if ref not in gone]
                continue
            return [issue for issue in answer.get("issues") or [] if isinstance(issue, Mapping)]
        issues = []
        for ticket_id in wanted:
            try:
                params = {"fields": ",".join(fields)}
                if self.data_center:
                    params["expand"] = "changelog"
                issue = self.http.get(f"{self.api}/issue/{ticket_id}", params=params).json()
            except HttpError as exc:
                if exc.retryable or exc.status not in (403, 404):
                    raise
                continue
            issues.append(issue)
        return issues

    # -- write ----------------------------------------------------------------------------

    def helpdesk_slas(self, ticket_ids: Sequence[str]) -> Iterator[HelpdeskSla | Skipped]:
        """JSM's own SLA verdicts (``servicedeskapi/request/{key}/sla``), for the parity audit."""
        return read_helpdesk_slas(self.http, ticket_ids, self.jira.sla_names)

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        return [self._apply_one(change) for change in changes]

    def edit_body(self, change: ChangeSet) -> dict[str, Any]:
        """The ``PUT /issue/{id}`` body: label add/remove operations, priority, fields."""
        bad = [tag for tag in change.add_tags | change.remove_tags if not tag or " " in tag]
        if bad:
            raise ValueError(f"Jira labels cannot be empty or contain spaces: {sorted(bad)}")
        both = change.add_tags & change.remove_tags
        if both:
            raise ValueError(f"labels both added and removed: {sorted(both)}")
        body: dict[str, Any] = {}
        operations = [{"add": tag} for tag in sorted(change.add_tags)]
        operations += [{"remove": tag} for tag in sorted(change.remove_tags)]
        if operations:
            body["update"] = {"labels": operations}
        fields: dict[str, Any] = {}
        if change.priority is not None:
            try:
                fields["priority"] = self.jira.mapping.jira_priority(change.priority)
            except KeyError:
                raise ValueError(f"no Jira priority for {change.priority!r}") from None
        if change.fields:
            meta = self.site_meta()
            for key, value in change.fields.items():
                if key in ("labels", "priority"):
                    raise ValueError(f"{key} is written through tags/priority, not fields")
                fields[key] = field_write_value(value, meta.fields.get(key))
        if fields:
            body["fields"] = fields
        return body

    def _apply_one(self, change: ChangeSet) -> WriteResult:
        if change.is_empty:
            return WriteResult(change.ticket_id, "applied")
        try:
            body = self.edit_body(change)
        except ValueError as exc:
            return WriteResult(change.ticket_id, "rejected", str(exc))
        except HttpError as exc:  # listing the fields' types failed
            return WriteResult(change.ticket_id, "retry" if exc.retryable else "rejected", str(exc))
        params = {} if self.jira.notify_users else {"notifyUsers": "false"}
        try:
            self.http.put(
                f"{self.api}/issue/{change.ticket_id}", json=body, params=params, ok=(200, 204)
            )
        except RetryableHttpError as exc:
            return WriteResult(change.ticket_id, "retry", str(exc))
        except HttpError as exc:
            # 409 is Jira's "conflicting update" (a concurrent edit), not a stale-read check.
            outcome: WriteOutcome = "retry" if exc.status == 409 else "rejected"
            reason = f"{exc.method} {exc.path}: HTTP {exc.status}: {error_text(exc.detail)}"
            return WriteResult(change.ticket_id, outcome, reason)
        return WriteResult(change.ticket_id, "applied")

    def ticket_url(self, ticket_id: str) -> str | None:
        """``{site}/browse/{key}`` for an issue read by this connector (None before, or via a
        gateway-only config that names no site)."""
        site = self.jira.site or self.jira.base_url
        key = self._keys.get(ticket_id)
        if not site or key is None:
            return None
        return f"{site.rstrip('/')}/browse/{key}"

    def api_calls(self) -> int:
        return self.http.calls

    def uses_state_store(self) -> bool:
        oauth = self.jira.oauth
        return oauth is not None and oauth.grant == "refresh_token"

    def attach_state_store(self, store: Any) -> None:
        if self.jira.oauth is not None and isinstance(self.auth, OAuth2):
            self.jira.oauth.attach(self.auth, store, self.instance)

    def close(self) -> None:
        self.http.close()


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and "T" in value:
        moment = parse_jira_time(value)
        if moment is not None:
            return moment
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def field_write_value(value: Any, details: Mapping[str, Any] | None) -> Any:
    """Shape a value for ``fields.<id>`` by the field's schema type (from ``GET /field``).

    Date-times go out as ``2025-03-10T12:00:00.000+0000``; a flag (bool) becomes 1/0 on a number
    field, ``{"value": "Yes"|"No"}`` on a select, ``[{"value": "Yes"}]``/``[]`` on checkboxes,
    ``"true"``/``"false"`` on text; other values pass unchanged.
    """
    schema = details.get("schema") if isinstance(details, Mapping) else None
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if value is None:
        return None
    moment = _as_datetime(value)
    if moment is not None and kind in (None, "datetime", "string"):
        return format_jira_time(moment)
    if moment is not None and kind == "date":
        return moment.astimezone(UTC).date().isoformat()
    if isinstance(value, bool):
        if kind == "number":
            return 1 if value else 0
        if kind == "option":
            return {"value": "Yes" if value else "No"}
        if kind == "array":
            return [{"value": "Yes"}] if value else []
        if kind == "string":
            return "true" if value else "false"
        return value
    if kind == "option" and isinstance(value, str):
        return {"value": value}
    if kind == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


__all__ = ["JiraConnector", "build_jql", "field_write_value", "jql_time"]
