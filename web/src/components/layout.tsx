import { type ReactNode, useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { useFilterQuery } from "../filters.js";
import { useSession } from "../session.js";
import { FilterBar } from "./filter-bar.js";

export const PAGES = [
  { path: "/", label: "Journey map" },
  { path: "/gaps", label: "Gaps" },
  { path: "/flows", label: "Flows" },
  { path: "/funnels", label: "Funnels" },
  { path: "/attribution", label: "Attribution" },
  { path: "/retention", label: "Retention" },
  { path: "/lifetime-value", label: "Lifetime value" },
  { path: "/feedback", label: "Feedback" },
  { path: "/customers", label: "Customers" },
  { path: "/sources", label: "Sources" },
  { path: "/automation", label: "Automation" },
  { path: "/catalog", label: "Catalog" },
] as const;

const isCurrent = (page: string, location: string) =>
  page === "/" ? location === "/" || location.startsWith("/touchpoints/") : location.startsWith(page);

export function Layout({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const [location] = useLocation();
  const query = useFilterQuery();
  const [open, setOpen] = useState(false);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={open}
          aria-controls="site-nav"
          onClick={() => setOpen(!open)}
        >
          Menu
        </button>
        <Link href={`/${query}`} className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Touchpoint
        </Link>
        <span className="who" title={`signed in as ${session.actor}`}>
          {session.actor} <span className="role">{session.role}</span>
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div className="shell">
        <nav
          id="site-nav"
          aria-label="Pages"
          className={open ? "open" : undefined}
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        >
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link
                  href={`${p.path}${query}`}
                  aria-current={isCurrent(p.path, location) ? "page" : undefined}
                  onClick={() => setOpen(false)}
                >
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

/**
 * A page's heading, its document title and, on the pages whose data it scopes (every report), the
 * global filter.
 */
export function PageHeader({
  title,
  filter = true,
  children,
}: {
  title: string;
  filter?: boolean;
  children?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Touchpoint`;
  }, [title]);
  return (
    <>
      <div className="page-header">
        <h1>{title}</h1>
        {children && <div className="page-header-extra">{children}</div>}
      </div>
      {filter && <FilterBar />}
    </>
  );
}
