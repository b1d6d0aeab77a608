'TEXT integer bigint numeric(28,6) float timestamp boolean'
