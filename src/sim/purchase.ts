import { type Customer, DAY, HOUR, MINUTE } from "./customer.js";
import { PRODUCTS, type Product, type STORES } from "./names.js";
import { type Rng, sigmoid } from "./random.js";

const SECOND = 1000;

export interface Order {
  id: string;
  revenue: number;
  products: {
    product_id: string;
    sku: string;
    name: string;
    category: string;
    price: number;
    quantity: number;
  }[];
}

/** A completed order and the purchase-stage touchpoints passed on the way to it. */
export interface Purchase {
  order: Order;
  ts: number;
  touched: string[];
  store: boolean;
}

const cents = (x: number) => Math.round(x * 100) / 100;
// Each message gets its own objects, so a consumer that edits one message cannot change another.
const copies = (products: Order["products"]) => products.map((p) => ({ ...p }));

/** The next order's value (Gamma-Gamma) spread over one to three products. */
function planOrder(c: Customer): Order {
  const revenue = Math.max(0.01, cents(c.rng.gamma(c.truth.spend.p, c.spendRate)));
  let k =
    revenue < 3
      ? 1
      : c.rng.weighted([
          [1, 0.6],
          [2, 0.3],
          [3, 0.1],
        ]);
  const pool = [...PRODUCTS];
  const chosen: Product[] = [];
  while (chosen.length < k) chosen.push(...pool.splice(c.rng.int(0, pool.length - 1), 1));
  const weights = chosen.map(() => c.rng.uniform(0.5, 1.5));
  const total = weights.reduce((s, w) => s + w, 0);
  const prices = weights.map((w) => cents((revenue * w) / total));
  prices[k - 1] = cents(revenue - prices.slice(0, k - 1).reduce((s, x) => s + x, 0));
  if (prices[k - 1]! <= 0) {
    k = 1;
    prices[0] = revenue;
  }
  return {
    id: `NL-${String(c.index + 1).padStart(6, "0")}-${c.orders + 1}`,
    revenue,
    products: chosen.slice(0, k).map((p, i) => ({
      product_id: p.id,
      sku: `NL-${p.id.slice(2)}`,
      name: p.name,
      category: p.category,
      price: prices[i]!,
      quantity: 1,
    })),
  };
}

/**
 * A visit that heads for a purchase: product pages, maybe chat, a pre-sale call or a promotion, then cart,
 * checkout and payment. On the first journey a customer may leave after the product pages to come back
 * later ("paused"), or drop out at any touchpoint ("dropped").
 */
export function purchaseVisit(c: Customer): Purchase | "dropped" | "paused" {
  const order = planOrder(c);
  const touched: string[] = [];
  const pass = (tp: string) => {
    touched.push(tp);
    return c.touch(tp);
  };
  const step = () => c.wait(15 * SECOND, 150 * SECOND);
  const item = (p: Order["products"][number]) => ({ ...p, currency: "EUR" });
  const first = order.products[0]!;

  step();
  if (c.rng.chance(0.4))
    c.track("Products Searched", { query: first.name.split(" ")[0]!.toLowerCase() }, "/search");
  if (c.rng.chance(0.7)) {
    step();
    c.track("Product List Viewed", { list_id: first.category.toLowerCase(), category: first.category }, "/c");
  }
  for (const p of order.products) {
    step();
    c.track("Product Viewed", item(p), `/products/${p.product_id}`);
  }
  if (pass("product_pages")) return "dropped";
  if (c.rng.chance(c.firstJourney ? 0.3 : 0.02)) {
    step();
    c.track("Live Chat Conversation Started", {
      conversation_id: `chat-${c.rng.hex(8)}`,
      topic: c.rng.pick(["sizing", "stock", "delivery time", "returns"]),
    });
    c.wait(2 * MINUTE, 10 * MINUTE);
    if (pass("live_chat")) return "dropped";
  }
  if (c.identified && c.rng.chance(c.firstJourney ? 0.06 : 0.02)) {
    c.wait(MINUTE, 5 * MINUTE);
    const seconds = c.rng.int(120, 900);
    c.offline("Help desk", "Support Call Completed", {
      topic: "pre_sale",
      call_id: `call-${c.rng.hex(8)}`,
      duration_s: seconds,
    });
    c.wait(seconds * SECOND, seconds * SECOND + MINUTE);
    if (pass("support_call")) return "dropped";
  }
  if (c.rng.chance(c.firstJourney ? 0.25 : 0.1)) {
    step();
    const promo = {
      promotion_id: "promo-bundle",
      name: "Complete the kit",
      creative: "bundle_banner",
      position: "product_page",
    };
    c.track("Promotion Viewed", promo);
    if (c.rng.chance(0.4)) {
      step();
      c.track("Promotion Clicked", { ...promo });
    }
    if (pass("upsell")) return "dropped";
  }
  if (c.firstJourney && !c.rng.chance(sigmoid(c.intent + 1.6))) return "paused";

  const cartId = `cart-${c.rng.hex(8)}`;
  for (const p of order.products) {
    step();
    c.track("Product Added", { cart_id: cartId, ...item(p) }, `/products/${p.product_id}`);
  }
  step();
  c.track("Cart Viewed", { cart_id: cartId, products: copies(order.products) }, "/cart");
  if (pass("cart")) return "dropped";

  step();
  const summary = { order_id: order.id, checkout_id: cartId, revenue: order.revenue, currency: "EUR" };
  c.track("Checkout Started", { ...summary, products: copies(order.products) }, "/checkout");
  if (!c.identified) {
    c.wait(5 * SECOND, 30 * SECOND);
    c.identify();
    if (!c.subscribed) c.subscribed = c.rng.chance(0.5);
  }
  const steps = c.rng.int(1, 2);
  for (let s = 1; s <= steps; s++) {
    step();
    c.track(
      "Checkout Step Completed",
      { checkout_id: cartId, step: s, shipping_method: "home_delivery" },
      "/checkout",
    );
  }
  if (pass("checkout")) return "dropped";

  step();
  const method = c.rng.weighted([
    ["card", 0.5],
    ["mobilepay", 0.25],
    ["paypal", 0.15],
    ["klarna", 0.1],
  ]);
  c.track(
    "Payment Info Entered",
    { checkout_id: cartId, order_id: order.id, payment_method: method },
    "/checkout/payment",
  );
  if (pass("payment")) return "dropped";

  c.wait(5 * SECOND, 40 * SECOND);
  c.track(
    "Order Completed",
    { ...summary, products: copies(order.products), payment_method: method },
    "/checkout/done",
  );
  c.orders++;
  return { order, ts: c.now, touched, store: false };
}

/** The time itself when the stores are open (9–19 in Copenhagen, 8–18 UTC), else a time in the next opening. */
function openingHours(rng: Rng, t: number): number {
  const hour = (t % DAY) / HOUR;
  if (hour >= 8 && hour < 18) return t;
  const day = t - (t % DAY) + (hour >= 18 ? DAY : 0);
  return day + 8 * HOUR + rng.uniform(0, 9.5 * HOUR);
}

/** A store visit; with `buy`, the purchase at the till. */
export function storeVisit(
  c: Customer,
  home: (typeof STORES)[number],
  buy: () => boolean,
): Purchase | "dropped" | "left" {
  const store = { store_id: home.id, store_name: home.name };
  const touched = ["store_visit"];
  c.now = openingHours(c.rng, c.now);
  c.offline("Stores", "Store Visited", { ...store });
  if (c.touch("store_visit")) return "dropped";
  if (!buy()) return "left";
  c.wait(5 * MINUTE, 40 * MINUTE);
  const order = planOrder(c);
  if (c.orders === 0) c.identifyOffline("Stores");
  c.wait(10 * SECOND, MINUTE);
  c.offline("Stores", "Order Completed", {
    order_id: order.id,
    revenue: order.revenue,
    currency: "EUR",
    products: copies(order.products),
    ...store,
  });
  c.orders++;
  return { order, ts: c.now, touched, store: true };
}
