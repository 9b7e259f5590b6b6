import { type ComponentType, lazy, Suspense } from "react";
import { Route, Switch } from "wouter";
import { Layout } from "./components/layout.js";
import { Empty, Loading } from "./components/states.js";
import { FilterErrorProvider } from "./filters.js";
import { JourneyMapPage } from "./pages/journey-map.js";
import { SessionGate } from "./session.js";

/** Pages with charts load on first visit, so signing in and the journey map do not wait for ECharts. */
function page<K extends string, P extends object>(load: () => Promise<Record<K, ComponentType<P>>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

const TouchpointPage = page(() => import("./pages/touchpoint.js"), "TouchpointPage");
const GapsPage = page(() => import("./pages/gaps.js"), "GapsPage");
const AttributionPage = page(() => import("./pages/attribution.js"), "AttributionPage");
const LifetimeValuePage = page(() => import("./pages/lifetime-value.js"), "LifetimeValuePage");
const FeedbackPage = page(() => import("./pages/feedback.js"), "FeedbackPage");
const CustomersPage = page(() => import("./pages/customers.js"), "CustomersPage");
const CustomerPage = page(() => import("./pages/customer.js"), "CustomerPage");
const SourcesPage = page(() => import("./pages/sources.js"), "SourcesPage");
const AutomationPage = page(() => import("./pages/automation.js"), "AutomationPage");
const CatalogPage = page(() => import("./pages/catalog.js"), "CatalogPage");
const FlowsPage = page(() => import("./pages/flows.js"), "FlowsPage");
const FunnelsPage = page(() => import("./pages/funnels.js"), "FunnelsPage");
const RetentionPage = page(() => import("./pages/retention.js"), "RetentionPage");

export function App() {
  return (
    <SessionGate>
      <FilterErrorProvider>
        <Layout>
          <Suspense fallback={<Loading label="Loading the page" />}>
            <Switch>
              <Route path="/" component={JourneyMapPage} />
              <Route path="/touchpoints/:id" component={TouchpointPage} />
              <Route path="/gaps" component={GapsPage} />
              <Route path="/flows" component={FlowsPage} />
              <Route path="/funnels" component={FunnelsPage} />
              <Route path="/attribution" component={AttributionPage} />
              <Route path="/retention" component={RetentionPage} />
              <Route path="/lifetime-value" component={LifetimeValuePage} />
              <Route path="/feedback" component={FeedbackPage} />
              <Route path="/customers" component={CustomersPage} />
              <Route path="/customers/:id" component={CustomerPage} />
              <Route path="/sources" component={SourcesPage} />
              <Route path="/automation" component={AutomationPage} />
              <Route path="/catalog" component={CatalogPage} />
              <Route>
                <Empty title="No such page">Choose a page from the menu.</Empty>
              </Route>
            </Switch>
          </Suspense>
        </Layout>
      </FilterErrorProvider>
    </SessionGate>
  );
}
