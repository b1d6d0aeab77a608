/** A project with a contracted model, a versioned model, two exposures and a unit test. */
export const NEW_RESOURCES_FILES: Record<string, string> = {
  'seeds/raw_orders.csv': 'order_id,amount\n1,10\n2,20\n',
  'models/orders.sql': "select order_id::integer as order_id, amount::integer as amount from {{ ref('raw_orders') }}\n",
  'models/dim_customers_v1.sql': "select 1::integer as customer_id, 'a'::text as name\n",
  'models/dim_customers_v2.sql': "select 1::integer as customer_id, 'a'::text as full_name\n",
  'models/schema.yml': `version: 2
models:
  - name: orders
    description: |
      Orders. **Completed** ones, see [the shop](https://shop.example.com).
      <img src=x onerror="window.__xss=1"> [bad](javascript:alert(1))
    config:
      materialized: table
      contract:
        enforced: true
    constraints:
      - type: primary_key
        columns: [order_id]
    columns:
      - name: order_id
        data_type: integer
        constraints:
          - type: not_null
      - name: amount
        data_type: integer
        constraints:
          - type: check
            expression: "amount >= 0"
  - name: dim_customers
    latest_version: 2
    versions:
      - v: 1
      - v: 2
exposures:
  - name: weekly_dashboard
    label: Weekly dashboard
    type: dashboard
    maturity: high
    url: https://bi.example.com/weekly
    description: Weekly numbers.
    owner:
      name: Ana
      email: ana@example.com
    depends_on:
      - ref('orders')
      - ref('dim_customers', v=2)
  - name: odd_link
    type: notebook
    url: "javascript:alert(1)"
    owner:
      email: x@example.com
    depends_on:
      - ref('dim_customers', v=1)
unit_tests:
  - name: test_orders_amount
    description: Amount passes through.
    model: orders
    given:
      - input: ref('raw_orders')
        rows:
          - {order_id: 1, amount: 5}
    expect:
      rows:
        - {order_id: 1, amount: 5}
`,
};
