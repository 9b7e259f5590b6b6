/** The simulated business: Nordlys, an outdoor-gear retailer with a web shop, an app and stores. */
export const SITE = "https://www.nordlys.example";

export const FIRST_NAMES = [
  "Anna",
  "Mette",
  "Sofie",
  "Freja",
  "Ida",
  "Emma",
  "Laura",
  "Karen",
  "Julie",
  "Maja",
  "Clara",
  "Nora",
  "Lars",
  "Mads",
  "Jens",
  "Søren",
  "Peter",
  "Anders",
  "Mikkel",
  "Jonas",
  "Oliver",
  "Lukas",
  "Emil",
  "Noah",
] as const;

export const LAST_NAMES = [
  "Jensen",
  "Nielsen",
  "Hansen",
  "Pedersen",
  "Andersen",
  "Christensen",
  "Larsen",
  "Sørensen",
  "Rasmussen",
  "Johansson",
  "Berg",
  "Lindqvist",
  "Müller",
  "Schmidt",
  "de Vries",
  "Bakker",
  "Olsen",
  "Dahl",
] as const;

export const CITIES = [
  "København",
  "Aarhus",
  "Odense",
  "Aalborg",
  "Stockholm",
  "Göteborg",
  "Oslo",
  "Hamburg",
  "Berlin",
  "Amsterdam",
  "Helsinki",
  "Malmö",
] as const;

export const STORES = [
  { id: "st-cph", name: "Nordlys København" },
  { id: "st-aar", name: "Nordlys Aarhus" },
  { id: "st-ode", name: "Nordlys Odense" },
  { id: "st-hmb", name: "Nordlys Hamburg" },
] as const;

export interface Product {
  id: string;
  name: string;
  category: string;
}

const PRODUCT_NAMES: readonly (readonly [string, string])[] = [
  ["Trail running shoe", "Footwear"],
  ["Hiking boot", "Footwear"],
  ["Wool base layer", "Clothing"],
  ["Down jacket", "Clothing"],
  ["Rain shell", "Clothing"],
  ["Fleece mid layer", "Clothing"],
  ["Merino socks", "Clothing"],
  ["Daypack 22 L", "Packs"],
  ["Trekking pack 55 L", "Packs"],
  ["Two-person tent", "Camping"],
  ["Sleeping bag −5 °C", "Camping"],
  ["Sleeping mat", "Camping"],
  ["Camping stove", "Camping"],
  ["Headlamp", "Accessories"],
  ["Water bottle", "Accessories"],
  ["Trekking poles", "Accessories"],
];

export const PRODUCTS: readonly Product[] = PRODUCT_NAMES.map(([name, category], i) => ({
  id: `p-${String(i + 1).padStart(3, "0")}`,
  name,
  category,
}));

export const BLOG_POSTS = [
  { path: "/blog/choosing-a-sleeping-bag", title: "How to choose a sleeping bag", category: "Blog" },
  { path: "/blog/winter-camping", title: "Ten tips for winter camping", category: "Blog" },
  { path: "/blog/trail-running-season", title: "Getting ready for trail season", category: "Blog" },
  { path: "/guides/layering", title: "The layering guide", category: "Guide" },
  { path: "/guides/boot-fitting", title: "Boot fitting guide", category: "Guide" },
] as const;

export const PLAIN_PAGES = [
  { name: "Home", path: "/", title: "Nordlys – outdoor gear" },
  { name: "About", path: "/about", title: "About Nordlys" },
  { name: "Pricing", path: "/pricing", title: "Prices and price match" },
] as const;

/** Hosts of partner blogs that link to the shop. */
export const PARTNER_BLOGS = [
  "https://www.fjeldliv.example/",
  "https://hikingnorth.example/gear-list",
  "https://www.trailtalk.example/",
];

/** Campaign names: none contains "shop", which GA4 would read as a shopping campaign. */
export const CAMPAIGNS = {
  search: ["brand_search", "generic_tents", "generic_jackets"],
  social: ["spring_launch", "winter_sale", "retargeting_q1"],
  display: ["autumn_banners", "prospecting_video"],
  email: ["weekly_newsletter", "members_offer", "spring_sale"],
  influencer: ["creator_trail_series", "creator_winter_kit"],
} as const;
