"""Cloudflare Workers in workerd through Miniflare: config, runtime, driver and binding shims."""
