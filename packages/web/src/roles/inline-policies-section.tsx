import type { RoleDetailsDto } from "@fawkes/protocol";
import { useState } from "react";
import { iam } from "../api/iam.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { useAnnouncer } from "../ui/announcer.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { jsonText } from "../ui/json-text.ts";
import { PolicyForm } from "./policy-form.tsx";

const EXAMPLE = jsonText({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" }],
});

/** Documents stored with the role, by name: an administrator adds, edits and deletes them. */
export function InlinePoliciesSection({ role, onChanged }: { role: RoleDetailsDto; onChanged(): void }) {
  const admin = useIsAdmin();
  const { announce } = useAnnouncer();
  /** The policy being edited, `""` for a new one. */
  const [editing, setEditing] = useState<string | undefined>();
  const save = async (name: string, document: Record<string, unknown>) => {
    await iam.putRolePolicy(role.name, name, document);
    setEditing(undefined);
    announce(`Saved inline policy ${name}`);
    onChanged();
  };
  return (
    <section className="role-section" aria-labelledby="inline-heading">
      <div className="section-heading">
        <h2 id="inline-heading">Inline policies</h2>
        {admin && editing === undefined && (
          <button type="button" className="button button-secondary" onClick={() => setEditing("")}>
            Add inline policy
          </button>
        )}
      </div>
      {editing === "" && (
        <PolicyForm
          nameLabel="Policy name"
          label="Policy document (JSON)"
          what="policy"
          initialText={EXAMPLE}
          submitLabel="Add policy"
          onCancel={() => setEditing(undefined)}
          onSubmit={(document, name) => save(name, document)}
        />
      )}
      {role.inlinePolicies.length === 0 && editing !== "" && <p className="muted">None.</p>}
      {role.inlinePolicies.map((policy) => (
        <div key={policy.name} data-inline-policy={policy.name} className="policy-item">
          <div className="section-heading">
            <h3>{policy.name}</h3>
            {admin && editing !== policy.name && (
              <>
                <button
                  type="button"
                  className="button button-secondary"
                  aria-label={`Edit inline policy ${policy.name}`}
                  onClick={() => setEditing(policy.name)}
                >
                  Edit
                </button>
                <ConfirmButton
                  label={`Delete inline policy ${policy.name}`}
                  title={`Delete inline policy ${policy.name}?`}
                  body={<p>The role no longer allows what this policy allowed, from the next request on.</p>}
                  confirmLabel="Delete"
                  action={() => iam.deleteRolePolicy(role.name, policy.name)}
                  done={`Deleted inline policy ${policy.name}`}
                  onDone={onChanged}
                >
                  Delete
                </ConfirmButton>
              </>
            )}
          </div>
          {editing === policy.name ? (
            <PolicyForm
              label={`Policy ${policy.name} (JSON)`}
              what="policy"
              initialText={jsonText(policy.document)}
              submitLabel="Save policy"
              onCancel={() => setEditing(undefined)}
              onSubmit={(document) => save(policy.name, document)}
            />
          ) : (
            <pre className="policy-document">{jsonText(policy.document)}</pre>
          )}
        </div>
      ))}
    </section>
  );
}
