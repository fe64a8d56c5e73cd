import { ApiRoutes, type ManagedPolicyListDto, type RoleDetailsDto } from "@fawkes/protocol";
import { useId, useState } from "react";
import { iam } from "../api/iam.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";

/** Managed policies attached to the role: an administrator attaches one from the existing ones, or detaches. */
export function AttachedPoliciesSection({ role, onChanged }: { role: RoleDetailsDto; onChanged(): void }) {
  const admin = useIsAdmin();
  return (
    <section className="role-section" aria-labelledby="attached-heading">
      <h2 id="attached-heading">Attached managed policies</h2>
      {role.attachedPolicies.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain-list">
          {role.attachedPolicies.map((policy) => (
            <li key={policy.arn} data-attached-policy={policy.name}>
              <Link href={href.policies(policy.name)}>{policy.name}</Link>{" "}
              <code className="muted">{policy.arn}</code>{" "}
              {admin && (
                <ConfirmButton
                  variant="secondary"
                  label={`Detach ${policy.name}`}
                  title={`Detach ${policy.name} from ${role.name}?`}
                  body={<p>The role no longer allows what this policy allows, from the next request on.</p>}
                  confirmLabel="Detach"
                  action={() => iam.detachPolicy(role.name, policy.arn)}
                  done={`Detached ${policy.name}`}
                  onDone={onChanged}
                >
                  Detach
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
      {admin && <AttachPicker role={role} onChanged={onChanged} />}
    </section>
  );
}

function AttachPicker({ role, onChanged }: { role: RoleDetailsDto; onChanged(): void }) {
  const { data, error } = useResource<ManagedPolicyListDto>(ApiRoutes.policies, affects.nothing);
  const [chosen, setChosen] = useState("");
  const id = useId();
  const attached = new Set(role.attachedPolicies.map((policy) => policy.arn));
  const candidates = data?.policies.filter((policy) => !attached.has(policy.arn)) ?? [];
  if (error !== undefined) return <p className="muted">The managed policies could not be loaded.</p>;
  if (data === undefined) return null;
  if (candidates.length === 0)
    return (
      <p className="muted">
        No other managed policy to attach. <Link href={href.policies()}>Create one</Link>.
      </p>
    );
  const selected = candidates.some((policy) => policy.arn === chosen) ? chosen : candidates[0]!.arn;
  return (
    <div className="inline-form">
      <label htmlFor={`${id}-policy`}>Managed policy</label>
      <select id={`${id}-policy`} value={selected} onChange={(event) => setChosen(event.target.value)}>
        {candidates.map((policy) => (
          <option key={policy.arn} value={policy.arn}>
            {policy.name}
          </option>
        ))}
      </select>
      <ActionButton
        variant="primary"
        action={async () => {
          await iam.attachPolicy(role.name, selected);
          onChanged();
        }}
        done={`Attached ${candidates.find((policy) => policy.arn === selected)?.name ?? selected}`}
      >
        Attach
      </ActionButton>
    </div>
  );
}
