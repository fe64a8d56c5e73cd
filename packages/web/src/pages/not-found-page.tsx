import { Link } from "../router/link.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";

export function NotFoundPage({ path }: { path: string }) {
  useDocumentTitle("Not found");
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
