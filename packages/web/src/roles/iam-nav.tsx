import { useIsAdmin } from "../auth/permissions.ts";
import type { Route } from "../router/routes.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { ListHeading } from "../ui/resource-table.tsx";

const sections = [
  { page: "roles", label: "Roles", href: href.roles() },
  { page: "policies", label: "Managed policies", href: href.policies() },
  { page: "instance-profiles", label: "Instance profiles", href: href.instanceProfiles() },
] as const satisfies readonly { page: Route["page"]; label: string; href: string }[];

/** The IAM pages' own navigation: roles, managed policies, instance profiles. */
export function IamNav({ current }: { current: (typeof sections)[number]["page"] }) {
  return (
    <nav aria-label="Identity" className="sub-nav">
      <ul>
        {sections.map((section) => (
          <li key={section.page}>
            <Link href={section.href} aria-current={section.page === current ? "page" : undefined}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A list page's heading with its Create button (administrators only), then the IAM pages' navigation. */
export function IamListHeading({
  title,
  count,
  noun,
  current,
  createLabel,
  onCreate,
}: {
  title: string;
  count: number | undefined;
  noun: readonly [string, string];
  current: (typeof sections)[number]["page"];
  createLabel: string;
  onCreate(): void;
}) {
  const admin = useIsAdmin();
  return (
    <>
      <ListHeading title={title} count={count} noun={noun}>
        {admin && (
          <button type="button" className="button button-primary" onClick={onCreate}>
            {createLabel}
          </button>
        )}
      </ListHeading>
      <IamNav current={current} />
    </>
  );
}
