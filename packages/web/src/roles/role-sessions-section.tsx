import type { RoleDetailsDto, StsSessionListDto } from "@fawkes/protocol";
import { iam, iamPaths } from "../api/iam.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { ResourceTable } from "../ui/resource-table.tsx";

/** Live temporary credentials of the role (an administrator's view): who holds them, and revoke. */
export function RoleSessionsSection({ role }: { role: RoleDetailsDto }) {
  const { data, error, reload } = useResource<StsSessionListDto>(
    iamPaths.roleSessions(role.name),
    affects.nothing,
  );
  return (
    <section className="role-section" aria-labelledby="sessions-heading">
      <div className="section-heading">
        <h2 id="sessions-heading">Active sessions</h2>
        {data !== undefined && data.sessions.length > 0 && (
          <ConfirmButton
            label={`Revoke all sessions of ${role.name}`}
            title={`Revoke every session of ${role.name}?`}
            body={
              <p>
                All {data.sessions.length} live sessions are refused from their next request on, jobs'
                included: a running job loses its cloud access.
              </p>
            }
            confirmLabel="Revoke all"
            action={() => iam.revokeRoleSessions(role.name)}
            done={`Revoked the sessions of ${role.name}`}
            onDone={reload}
          >
            Revoke all
          </ConfirmButton>
        )}
      </div>
      <ResourceTable
        items={data?.sessions}
        error={error}
        what="the role's sessions"
        empty="No live session of this role."
        caption={`Live sessions of ${role.name}`}
        columns={["Access key", "Session", "Assumed by", "Issued", "Expires", ""]}
        row={(session) => (
          <tr key={session.accessKeyId} data-session={session.accessKeyId}>
            <th scope="row">
              <code>{session.accessKeyId}</code>
            </th>
            <td>{session.sessionName}</td>
            <td>
              <code>{session.assumedBy}</code>
            </td>
            <td>
              <DateTime time={session.issuedAt} />
            </td>
            <td>
              <DateTime time={session.expiresAt} />
            </td>
            <td>
              <ConfirmButton
                label={`Revoke session ${session.accessKeyId}`}
                title={`Revoke ${session.accessKeyId}?`}
                body={<p>Its next request is refused. Whoever holds it must assume the role again.</p>}
                confirmLabel="Revoke"
                action={() => iam.revokeSession(session.accessKeyId)}
                done={`Revoked ${session.accessKeyId}`}
                onDone={reload}
              >
                Revoke
              </ConfirmButton>
            </td>
          </tr>
        )}
      />
    </section>
  );
}
