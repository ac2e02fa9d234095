"""The dashboard: server-rendered shell pages, plain JS and CSS, and a same-origin API proxy."""
