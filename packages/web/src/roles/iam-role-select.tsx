/** A picker of IAM roles (by name); `""` is "no role" when `optional`. */
export function IamRoleSelect({
  id,
  roles,
  value,
  onChange,
  optional,
  label,
}: {
  id?: string;
  /** The roles to offer; undefined while they load. */
  roles: readonly string[] | undefined;
  value: string;
  onChange(role: string): void;
  optional?: boolean;
  /** Accessible name when no `<label>` points at it. */
  label?: string;
}) {
  return (
    <select id={id} value={value} aria-label={label} onChange={(event) => onChange(event.target.value)}>
      <option value="">{optional === true ? "No role" : "Choose a role…"}</option>
      {roles?.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </select>
  );
}
