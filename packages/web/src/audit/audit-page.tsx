/**
 * The audit log: who triggered, approved, cancelled, changed config or agents, created keys and read which
 * secrets (by name). Filters live in the URL; the first page follows the server's events, older pages load on
 * demand.
 */
import type { AuditEntryDto, AuditListDto } from "@fawkes/protocol";
import { useMemo, useRef, useState, type FormEvent } from "react";
import { errorMessage, getJson } from "../api/http.ts";
import { formatDateTime } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { navigate } from "../router/navigation.ts";
import { href } from "../router/routes.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import {
  actionChoices,
  auditApiPath,
  formatDetails,
  SINCE_CHOICES,
  type AuditFilter,
} from "./audit-filter.ts";

/** Any server event may come with a new entry (a trigger, an agent, a config load…). */
const anyEvent = (): boolean => true;

export function AuditPage({ filter }: { filter: AuditFilter }) {
  useDocumentTitle("Audit log");
  const filterKey = JSON.stringify(filter);
  // `since` is resolved once per filter: the path stays the same while events refresh the page.
  const firstPage = useMemo(
    () => auditApiPath(JSON.parse(filterKey) as AuditFilter, Date.now()),
    [filterKey],
  );
  const { data, error } = useResource<AuditListDto>(firstPage, anyEvent);
  const [older, setOlder] = useState<{ key: string; entries: AuditEntryDto[]; next: number | null }>({
    key: "",
    entries: [],
    next: null,
  });
  const [loadingOlder, setLoadingOlder] = useState<string | undefined>();
  const olderOfFilter = older.key === firstPage ? older : { key: firstPage, entries: [], next: null };

  // Every entry shown for this filter stays: when new entries push some off the refreshed first page, those are
  // still above the older pages already loaded, and the table keeps no gap.
  const shown = useRef<{ key: string; byId: Map<number, AuditEntryDto> }>({ key: "", byId: new Map() });
  if (shown.current.key !== firstPage) shown.current = { key: firstPage, byId: new Map() };
  const byId = shown.current.byId;
  for (const entry of [...(data?.entries ?? []), ...olderOfFilter.entries]) byId.set(entry.id, entry);
  const entries = [...byId.values()].sort((a, b) => b.id - a.id);
  const next = olderOfFilter.entries.length > 0 ? olderOfFilter.next : (data?.next ?? null);

  const showOlder = () => {
    if (next === null) return;
    setLoadingOlder("");
    getJson<AuditListDto>(auditApiPath(filter, Date.now(), next)).then(
      (page) => {
        setOlder({ key: firstPage, entries: [...olderOfFilter.entries, ...page.entries], next: page.next });
        setLoadingOlder(undefined);
      },
      (failure: unknown) => setLoadingOlder(errorMessage(failure)),
    );
  };

  return (
    <>
      <div className="page-heading">
        <h1>Audit log</h1>
        {data !== undefined && (
          <span className="muted" role="status">
            {entries.length} entr{entries.length === 1 ? "y" : "ies"}
            {next !== null ? " shown" : ""}
          </span>
        )}
      </div>
      <AuditFilterForm key={filterKey} filter={filter} />
      {error !== undefined && <LoadError error={error} what="the audit log" />}
      {data === undefined && error === undefined && <Loading what="the audit log" />}
      {data !== undefined && entries.length === 0 && (
        <p className="empty">
          No entry matches. Every trigger, approval, cancel, agent or key change is recorded here.
        </p>
      )}
      {entries.length > 0 && (
        <div className="table-scroll">
          <table className="data-table audit-table">
            <caption className="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-audit-id={entry.id} data-action={entry.action}>
                  <td>
                    <time
                      dateTime={new Date(entry.at).toISOString()}
                      title={new Date(entry.at).toISOString()}
                    >
                      {formatDateTime(entry.at)}
                    </time>
                  </td>
                  <td>
                    {entry.actor.name}
                    {entry.actor.kind !== "user" && <span className="muted"> ({entry.actor.kind})</span>}
                  </td>
                  <td className="mono">{entry.action}</td>
                  <td className="mono audit-target">{entry.target}</td>
                  <td className="mono audit-details">
                    {formatDetails(entry.details)}
                    {entry.sourceIp !== null && <span className="muted"> from {entry.sourceIp}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null && (
        <div className="pagination">
          <button type="button" className="button" onClick={showOlder} disabled={loadingOlder === ""}>
            Show older entries
          </button>
          {loadingOlder !== undefined && loadingOlder !== "" && (
            <span className="notice notice-error" role="alert">
              {loadingOlder}
            </span>
          )}
        </div>
      )}
    </>
  );
}

function AuditFilterForm({ filter }: { filter: AuditFilter }) {
  const [draft, setDraft] = useState(filter);
  const choices = useMemo(actionChoices, []);
  const set = (key: keyof AuditFilter) => (value: string) =>
    setDraft((previous) => ({ ...previous, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(href.audit(draft));
  };
  // An action given in the URL that this version does not list (a newer server's) stays choosable.
  const actions =
    draft.action === "" || choices.some((choice) => choice.value === draft.action)
      ? choices
      : [...choices, { value: draft.action, label: draft.action }];
  return (
    <form className="audit-filters" onSubmit={submit} aria-label="Filter the audit log">
      <TextFilter
        label="Actor"
        id="audit-actor"
        value={draft.actor}
        onChange={set("actor")}
        hint="admin, agent:agent-1"
      />
      <ChoiceFilter
        label="Action"
        id="audit-action"
        value={draft.action}
        onChange={set("action")}
        any="Any action"
        choices={actions}
      />
      <TextFilter
        label="Target"
        id="audit-target"
        value={draft.target}
        onChange={set("target")}
        hint="pipeline/build/*"
      />
      <ChoiceFilter
        label="Time"
        id="audit-since"
        value={draft.since}
        onChange={set("since")}
        any="Any time"
        choices={SINCE_CHOICES}
      />
      <div className="audit-filter-actions">
        <button type="submit" className="button button-primary">
          Filter
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => navigate(href.audit({ actor: "", action: "", target: "", since: "" }))}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

interface FilterProps {
  label: string;
  id: string;
  value: string;
  onChange(value: string): void;
}

function TextFilter({ label, id, value, onChange, hint }: FilterProps & { hint: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(event) => onChange(event.target.value)} placeholder={hint} />
    </div>
  );
}

function ChoiceFilter({
  label,
  id,
  value,
  onChange,
  any,
  choices,
}: FilterProps & { any: string; choices: readonly { value: string; label: string }[] }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{any}</option>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
