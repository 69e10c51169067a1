"""The console's pages, one module per page; each exports ROUTES (paths with the roles they admit)."""

from broadcast.web.routes import (
          admin,
          aired,
          clusters,
          compose,
          inbox,
          listen,
          login,
          notices,
          player,
          priority_order,
          recordings,
          review,
          status,
          urgent,
          week,
          week_edit,
)

ROUTES = [*login.ROUTES, *week.ROUTES, *notices.ROUTES, *compose.ROUTES, *review.ROUTES, *urgent.ROUTES,
          *aired.ROUTES, *status.ROUTES, *inbox.ROUTES,
          *priority_order.ROUTES, *listen.ROUTES, *admin.ROUTES, *clusters.ROUTES,
          *week_edit.ROUTES, *player.ROUTES, *recordings.ROUTES]
