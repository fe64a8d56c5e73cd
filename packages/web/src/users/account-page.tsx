import { ApiRoutes, type ApiTokenListDto } from "@fawkes/protocol";
import { useState } from "react";
import { users } from "../api/users.ts";
import { useMe } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { ProblemNotice } from "../ui/error-notice.tsx";
import { TextField } from "../ui/fields.tsx";
import { Loading } from "../ui/page-states.tsx";
import { SecretOnce } from "../ui/secret-once.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { useSubmit } from "../ui/use-submit.ts";
import { PasswordForm } from "./password-form.tsx";
import { TokensTable } from "./tokens-table.tsx";
import "./users.css";

/** The logged-in user's own page: their role, password and personal API tokens. */
export function AccountPage() {
  useDocumentTitle("Account");
  const me = useMe();
  if (me === null) return <Loading what="your account" />;
  return (
    <>
      <div className="page-heading">
        <h1>Account: {me.user}</h1>
        <span className="muted">Role {me.role}</span>
      </div>
      {me.bootstrap ? (
        <p className="notice">
          You are logged in with the server's API token (the bootstrap administrator): it has no password and
          no personal tokens. Create users on the Users page; <code>fawkes token rotate</code> replaces the
          API token.
        </p>
      ) : (
        <>
          <section className="user-section" aria-labelledby="password-heading">
            <h2 id="password-heading">Change password</h2>
            <PasswordForm
              askCurrent
              submitLabel="Change password"
              onSubmit={(newPassword, currentPassword) =>
                users.changeOwnPassword({ currentPassword, newPassword })
              }
            />
          </section>
          <OwnTokens />
        </>
      )}
    </>
  );
}

function OwnTokens() {
  const { data, error, reload } = useResource<ApiTokenListDto>(ApiRoutes.tokens, affects.nothing);
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>();
  const submit = useSubmit();
  const create = () =>
    void submit.run(async () => {
      const token = await users.createToken({
        name: name.trim(),
        ...(days !== "" && { expiresInDays: Number(days) }),
      });
      setCreated({ name: token.name, token: token.token });
      setName("");
      setDays("");
      reload();
    });
  return (
    <section className="user-section" aria-labelledby="own-tokens-heading">
      <h2 id="own-tokens-heading">API tokens</h2>
      <p className="muted">
        A token acts as you, with your role, for the CLI and scripts (<code>Authorization: Bearer …</code>).
      </p>
      {created !== undefined && <SecretOnce label={`Token ${created.name}.`} value={created.token} />}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          create();
        }}
      >
        <TextField label="Token name" required maxLength={64} value={name} onChange={setName} />
        <TextField
          label="Expires in days (empty: never)"
          type="number"
          min={1}
          max={3650}
          value={days}
          onChange={setDays}
        />
        <button
          type="submit"
          className="button button-primary"
          disabled={submit.busy}
          aria-busy={submit.busy}
        >
          Create token
        </button>
      </form>
      <ProblemNotice error={submit.error} />
      <TokensTable tokens={data?.tokens} error={error} owner="Your" onRevoked={reload} />
    </section>
  );
}
