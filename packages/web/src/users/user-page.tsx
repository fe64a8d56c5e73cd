import { ApiRoutes, type ApiTokenListDto, type UserListDto } from "@fawkes/protocol";
import { users, tokensPath } from "../api/users.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { DateTime } from "../ui/date-time.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { GroupGrants } from "./group-grants.tsx";
import { isRefused, NotAllowed, useNotAdmin } from "./not-allowed.tsx";
import { PasswordForm } from "./password-form.tsx";
import { TokensTable } from "./tokens-table.tsx";
import "./users.css";

/** One user, for an administrator: facts, a new password, and their API tokens (revoke). */
export function UserPage({ user }: { user: string }) {
  useDocumentTitle(`User ${user}`);
  const refusedByRole = useNotAdmin();
  const list = useResource<UserListDto>(refusedByRole ? null : ApiRoutes.users, affects.nothing);
  const tokens = useResource<ApiTokenListDto>(refusedByRole ? null : tokensPath(user), affects.nothing);
  if (refusedByRole || isRefused(list.error)) return <NotAllowed what="users" />;
  const found = list.data?.users.find((candidate) => candidate.name === user);
  return (
    <>
      <div className="page-heading">
        <h1>
          <Link href={href.users()}>Users</Link> / {user}
        </h1>
      </div>
      {list.error !== undefined && <LoadError error={list.error} what={`user ${user}`} />}
      {list.data === undefined && list.error === undefined && <Loading what="the user" />}
      {list.data !== undefined && found === undefined && (
        <p className="notice notice-error" role="alert">
          No user named {user}.
        </p>
      )}
      {found !== undefined && (
        <>
          <dl className="facts">
            <dt>Role</dt>
            <dd>{found.role}</dd>
            <dt>Status</dt>
            <dd>{found.disabled ? "Disabled" : "Active"}</dd>
            <dt>Created</dt>
            <dd>
              <DateTime time={found.createdAt} />
            </dd>
          </dl>
          <section className="user-section" aria-labelledby="grants-heading">
            <h2 id="grants-heading">Pipeline group roles</h2>
            <GroupGrants user={found} onChanged={list.reload} />
          </section>
          <section className="user-section" aria-labelledby="reset-heading">
            <h2 id="reset-heading">Reset password</h2>
            <PasswordForm
              askCurrent={false}
              submitLabel="Set password"
              onSubmit={(password) => users.update(user, { password })}
            />
          </section>
          <section className="user-section" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">API tokens</h2>
            <TokensTable
              tokens={tokens.data?.tokens}
              error={tokens.error}
              owner={`${user}'s`}
              onRevoked={tokens.reload}
            />
          </section>
        </>
      )}
    </>
  );
}
