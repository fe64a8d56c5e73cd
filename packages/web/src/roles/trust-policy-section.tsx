import type { RoleDetailsDto } from "@fawkes/protocol";
import { useState } from "react";
import { iam } from "../api/iam.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { useAnnouncer } from "../ui/announcer.tsx";
import { jsonText } from "../ui/json-text.ts";
import { PolicyForm } from "./policy-form.tsx";

/** Who may assume the role; an administrator edits it in place. */
export function TrustPolicySection({ role, onChanged }: { role: RoleDetailsDto; onChanged(): void }) {
  const admin = useIsAdmin();
  const [editing, setEditing] = useState(false);
  const { announce } = useAnnouncer();
  return (
    <section className="role-section" aria-labelledby="trust-heading">
      <div className="section-heading">
        <h2 id="trust-heading">Trust policy</h2>
        {admin && !editing && (
          <button type="button" className="button button-secondary" onClick={() => setEditing(true)}>
            Edit trust policy
          </button>
        )}
      </div>
      {editing ? (
        <PolicyForm
          label="Trust policy (JSON)"
          what="trust policy"
          initialText={jsonText(role.trustPolicy)}
          submitLabel="Save trust policy"
          onCancel={() => setEditing(false)}
          onSubmit={async (document) => {
            await iam.updateTrustPolicy(role.name, document);
            setEditing(false);
            announce(`Saved the trust policy of ${role.name}`);
            onChanged();
          }}
        />
      ) : (
        <pre className="policy-document" data-testid="trust-policy">
          {jsonText(role.trustPolicy)}
        </pre>
      )}
    </section>
  );
}
