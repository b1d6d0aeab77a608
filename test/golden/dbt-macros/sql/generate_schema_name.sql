'analytics_marts'
