/**
 * The simulator's own reading of its messages: the touchpoint each one stands for, as the default catalog
 * is meant to classify it. Tests use it to check the planted truth without a warehouse; the catalog can be
 * checked against it.
 */

export const GOAL_EVENT = "Order Completed";

/** Every track event name the simulator emits. */
export const SIM_EVENTS = [
  "Product Reviews Viewed",
  "Sales Call Completed",
  "Event Attended",
  "Email Delivered",
  "Email Opened",
  "Email Link Clicked",
  "Referral Link Opened",
  "Products Searched",
  "Product List Viewed",
  "Product Viewed",
  "Product Added",
  "Cart Viewed",
  "Store Visited",
  "Live Chat Conversation Started",
  "Support Call Completed",
  "Checkout Started",
  "Checkout Step Completed",
  "Payment Info Entered",
  "Promotion Viewed",
  "Promotion Clicked",
  "Order Completed",
  "Order Shipped",
  "Order Delivered",
  "Survey Viewed",
  "Survey Responded",
  "Support Ticket Created",
  "Support Ticket Resolved",
  "Return Requested",
  "Order Refunded",
  "Product Registered",
  "Product Reviewed",
  "Loyalty Program Joined",
  "Loyalty Points Earned",
  "Loyalty Reward Redeemed",
  "Community Visited",
  "Product Shared",
] as const;

const BY_EVENT: Readonly<Record<string, string>> = {
  "Product Reviews Viewed": "reviews",
  "Sales Call Completed": "sales_rep",
  "Event Attended": "events_fairs",
  "Referral Link Opened": "referrals",
  "Products Searched": "product_pages",
  "Product List Viewed": "product_pages",
  "Product Viewed": "product_pages",
  "Product Added": "cart",
  "Cart Viewed": "cart",
  "Store Visited": "store_visit",
  "Live Chat Conversation Started": "live_chat",
  "Checkout Started": "checkout",
  "Checkout Step Completed": "checkout",
  "Payment Info Entered": "payment",
  "Promotion Viewed": "upsell",
  "Promotion Clicked": "upsell",
  "Order Shipped": "delivery",
  "Order Delivered": "delivery",
  "Survey Viewed": "survey",
  "Survey Responded": "survey",
  "Support Ticket Created": "after_sales_support",
  "Support Ticket Resolved": "after_sales_support",
  "Return Requested": "returns",
  "Order Refunded": "returns",
  "Product Registered": "registration_warranty",
  "Product Reviewed": "review_written",
  "Loyalty Program Joined": "loyalty",
  "Loyalty Points Earned": "loyalty",
  "Loyalty Reward Redeemed": "loyalty",
  "Community Visited": "community",
  "Product Shared": "social_engagement",
};

const BY_TEMPLATE: Readonly<Record<string, string>> = {
  newsletter: "email_marketing",
  promo: "email_marketing",
  order_confirmation: "thank_you",
  thank_you: "thank_you",
  follow_up: "follow_up_email",
  review_request: "follow_up_email",
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});

/** The channel touchpoint of a landing page, from its campaign tags or referrer; null for none. */
function channelTouchpoint(context: Obj): string | null {
  const campaign = obj(context.campaign);
  const source = String(campaign.source ?? "");
  const medium = String(campaign.medium ?? "");
  if (medium === "cpc") return "paid_search";
  if (medium === "paid_social") return "paid_social";
  if (medium === "display") return "display_video_ads";
  if (medium === "influencer") return "influencers";
  if (medium === "email") return "email_marketing";
  if (source || medium) return null;
  const referrer = String(obj(context.page).referrer ?? "");
  if (!referrer) return null;
  if (referrer.includes("google.")) return "organic_search";
  if (referrer.includes("facebook.") || referrer.includes("instagram.")) return "organic_social";
  return "referrals";
}

/** The touchpoint a simulated message stands for; null for the goal, identify calls and anything else. */
export function touchpointOf(message: Obj): string | null {
  const properties = obj(message.properties);
  if (message.type === "page") {
    const channel = channelTouchpoint(obj(message.context));
    if (channel) return channel;
    return properties.category === "Blog" || properties.category === "Guide"
      ? "content_blog"
      : "website_visit";
  }
  if (message.type !== "track") return null;
  const event = String(message.event);
  if (event.startsWith("Email ")) return BY_TEMPLATE[String(properties.template)] ?? null;
  if (event === "Support Call Completed") {
    return properties.topic === "pre_sale"
      ? "support_call"
      : properties.topic === "order_issue"
        ? "after_sales_support"
        : null;
  }
  return BY_EVENT[event] ?? null;
}
