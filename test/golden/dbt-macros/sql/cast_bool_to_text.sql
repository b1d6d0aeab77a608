cast(true as TEXT)
