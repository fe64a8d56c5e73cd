import type { ApiTokenInfoDto } from "@fawkes/protocol";
import { users } from "../api/users.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { ResourceTable } from "../ui/resource-table.tsx";

/** Personal API tokens (never the tokens themselves: the server keeps their SHA-256), each with Revoke. */
export function TokensTable({
  tokens,
  error,
  owner,
  onRevoked,
}: {
  tokens: readonly ApiTokenInfoDto[] | undefined;
  error: unknown;
  /** Whose tokens, for the caption ("your", "ursula's"). */
  owner: string;
  onRevoked(): void;
}) {
  return (
    <ResourceTable
      items={tokens}
      error={error}
      what={`${owner} tokens`}
      empty="No API token."
      caption={`${owner} API tokens`}
      className="tokens-table"
      columns={["Name", "Created", "Expires", "Last used", ""]}
      row={(token) => (
        <tr key={token.id} data-token={token.name}>
          <th scope="row">{token.name}</th>
          <td>
            <DateTime time={token.createdAt} />
          </td>
          <td>{token.expiresAt === null ? "Never" : <DateTime time={token.expiresAt} />}</td>
          <td>{token.lastUsedAt === null ? "Never" : <DateTime time={token.lastUsedAt} />}</td>
          <td>
            <ConfirmButton
              label={`Revoke token ${token.name}`}
              title={`Revoke token ${token.name}?`}
              body={<p>Anything using it is refused from its next request on.</p>}
              confirmLabel="Revoke"
              action={() => users.revokeToken(token.id)}
              done={`Revoked token ${token.name}`}
              onDone={onRevoked}
            >
              Revoke
            </ConfirmButton>
          </td>
        </tr>
      )}
    />
  );
}
