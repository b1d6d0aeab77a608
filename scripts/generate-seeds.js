// Generates the example warehouse's raw data (seeds/*.csv) deterministically: the same bytes
// on every machine, so golden tests and benchmarks are repeatable.
//   node scripts/generate-seeds.js [--scale 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;

let state = 20240101;
const rand = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const GEO = [
  ['EMEA', 'Germany', ['Berlin', 'Munich', 'Hamburg']],
  ['EMEA', 'France', ['Paris', 'Lyon']],
  ['EMEA', 'United Kingdom', ['London', 'Manchester']],
  ['AMER', 'United States', ['New York', 'Austin', 'Seattle']],
  ['AMER', 'Brazil', ['Sao Paulo']],
  ['APAC', 'Japan', ['Tokyo', 'Osaka']],
  ['APAC', 'Australia', ['Sydney']],
];
const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth', 'Perlman', 'Berners-Lee'];
const SEGMENTS = ['Consumer', 'SMB', 'Enterprise'];
const CATEGORIES = ['Books', 'Electronics', 'Garden', 'Kitchen', 'Sports', 'Toys'];
const STATUSES = ['placed', 'shipped', 'completed', 'completed', 'completed', 'returned', 'cancelled'];
const CHANNELS = ['web', 'web', 'mobile', 'store'];
const EVENTS = ['page_view', 'page_view', 'page_view', 'add_to_cart', 'checkout'];
const START = Date.UTC(2023, 0, 1);
const DAY = 86_400_000;

const ts = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
const csv = (v) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

function write(name, header, rows) {
  const file = join(root, 'seeds', `${name}.csv`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, [header.join(','), ...rows.map((r) => r.map(csv).join(','))].join('\n') + '\n');
  console.log(`${file}: ${rows.length} rows`);
}

const nCustomers = 10_000 * scale;
const customers = [];
for (let id = 1; id <= nCustomers; id++) {
  const [region, country, cities] = pick(GEO);
  const first = pick(FIRST);
  const last = pick(LAST);
  const signup = START + int(0, 540) * DAY + int(0, DAY - 1);
  // Raw data is messy on purpose: some emails missing or upper-cased, some duplicates below.
  const email = rand() < 0.03 ? null : `${first}.${last}${id}@example.com`[rand() < 0.1 ? 'toUpperCase' : 'toLowerCase']();
  customers.push([id, first, last, email, country, region, pick(cities), pick(SEGMENTS), ts(signup), ts(signup + int(0, 200) * DAY)]);
}
// ~1% of customers arrive twice (an updated copy) so silver has something to deduplicate.
for (let i = 0; i < nCustomers / 100; i++) {
  const c = [...customers[int(0, nCustomers - 1)]];
  c[7] = pick(SEGMENTS);
  c[9] = ts(Date.parse(`${c[9].replace(' ', 'T')}Z`) + int(1, 30) * DAY);
  customers.push(c);
}
write('raw_customers', ['customer_id', 'first_name', 'last_name', 'email', 'country', 'region', 'city', 'segment', 'signup_at', 'updated_at'], customers);

const nProducts = 1_000;
const products = [];
for (let id = 1; id <= nProducts; id++) {
  const cat = pick(CATEGORIES);
  products.push([id, `${cat} item ${id}`, cat, int(199, 49_999), rand() < 0.02 ? null : ts(START + int(0, 100) * DAY)]);
}
write('raw_products', ['product_id', 'product_name', 'category', 'price_cents', 'launched_at'], products);

const nOrders = 100_000 * scale;
const orders = [];
const items = [];
let itemId = 1;
for (let id = 1; id <= nOrders; id++) {
  const at = START + Math.floor((id / nOrders) * 700 * DAY) + int(0, DAY - 1);
  const status = pick(STATUSES);
  orders.push([id, int(1, nCustomers), ts(at), status, pick(CHANNELS), ts(at + int(0, 10) * DAY)]);
  const k = int(1, 4);
  for (let j = 0; j < k; j++) {
    const p = products[int(0, nProducts - 1)];
    items.push([itemId++, id, p[0], int(1, 3), rand() < 0.01 ? null : p[3]]);
  }
}
write('raw_orders', ['order_id', 'customer_id', 'ordered_at', 'status', 'channel', 'updated_at'], orders);
write('raw_order_items', ['order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price_cents'], items);

const nEvents = 100_000 * scale;
const events = [];
for (let id = 1; id <= nEvents; id++) {
  const at = START + Math.floor((id / nEvents) * 700 * DAY) + int(0, DAY - 1);
  events.push([id, rand() < 0.2 ? null : int(1, nCustomers), pick(EVENTS), `/p/${int(1, nProducts)}`, ts(at)]);
}
write('raw_web_events', ['event_id', 'customer_id', 'event_type', 'page', 'occurred_at'], events);
