"""The console's pages, one module per page; each exports ROUTES (paths with the roles they admit)."""

from broadcast.web.routes import aired, compose, listen, login, notices, review, status, urgent, week

ROUTES = [*login.ROUTES, *week.ROUTES, *notices.ROUTES, *compose.ROUTES, *review.ROUTES, *urgent.ROUTES,
          *aired.ROUTES, *status.ROUTES, *listen.ROUTES]
