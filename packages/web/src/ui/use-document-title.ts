import { useEffect } from "react";

/** `<title>` of the page: "what · Fawkes". */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title === "" ? "Fawkes" : `${title} · Fawkes`;
  }, [title]);
}
