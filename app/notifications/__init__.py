"""站内消息 (in-app notices): any package tells users about a business object, once per occasion.

    from app import notifications
    notifications.notify(users, obj, kind="overdue", key=f"overdue:{obj.id}:{deadline}",
                         title="…逾期未整改", body="…", level="danger")   # idempotent per (key, user)
    notifications.unread_count(user)     # the navbar badge
    notifications.for_user(user)         # newest first, ?before=<id> for the next page
    notifications.mark_read(user)        # all, or mark_read(user, ids=[…]) for some of the user's own

Pages: /notifications (the list, each notice opening its object's page through app.subjects) and
POST /notifications/read. A user only ever sees and marks their own notices.
"""

from app.notifications.models import Level, Notification
from app.notifications.operations import mark_read, notify
from app.notifications.queries import for_user, get_own, unread_count

__all__ = ["Level", "Notification", "for_user", "get_own", "mark_read", "notify", "unread_count"]
