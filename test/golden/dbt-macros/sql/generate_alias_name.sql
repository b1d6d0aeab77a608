'orders'
