import { ApiRoutes, type RoleListDto } from "@fawkes/protocol";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";

/** A picker of the existing roles; `""` is "no role" when `optional`. */
export function RoleSelect({
  id,
  value,
  onChange,
  optional,
  label,
}: {
  id: string;
  value: string;
  onChange(role: string): void;
  optional?: boolean;
  /** Accessible name when no `<label>` points at it. */
  label?: string;
}) {
  const { data } = useResource<RoleListDto>(ApiRoutes.roles, affects.nothing);
  return (
    <select id={id} value={value} aria-label={label} onChange={(event) => onChange(event.target.value)}>
      <option value="">{optional === true ? "No role" : "Choose a role…"}</option>
      {data?.roles.map((role) => (
        <option key={role.roleId} value={role.name}>
          {role.name}
        </option>
      ))}
    </select>
  );
}
