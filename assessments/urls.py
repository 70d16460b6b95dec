from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("submissions/<int:pk>/", views.mark, name="mark"),
    path("submissions/<int:pk>/start/", views.start, name="start"),
    path("submissions/<int:pk>/save/", views.save, name="save"),
    path("submissions/<int:pk>/anchor/", views.anchor, name="anchor"),
    path("submissions/<int:pk>/authorise/", views.authorise, name="authorise"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("decisions/<int:pk>/correct/", views.correct, name="correct"),
    path("decisions/<int:pk>/ready/", views.ready, name="ready"),
    path("decisions/<int:pk>/release/", views.release, name="release"),
    path("releases/", views.releases, name="releases"),
    path("feedback/", views.feedback_list, name="feedback-list"),
    path("feedback/<int:submission_pk>/", views.feedback, name="feedback"),
    path(
        "feedback/<int:submission_pk>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("comments/<int:pk>/reply/", views.reply, name="reply"),
    path("bank/", views.bank, name="bank"),
    path("bank/<int:pk>/delete/", views.bank_delete, name="bank-delete"),
    path("iqa/", views.iqa, name="iqa"),
    path("iqa/decisions/<int:pk>/", views.review, name="review"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:pk>/close/", views.action_close, name="action-close"),
]
