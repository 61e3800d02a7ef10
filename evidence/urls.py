from django.urls import path

app_name = "evidence"
urlpatterns = [
    # --- labels and the chain-of-custody form (pdf_views.py) ---------------------------
    # --- end of labels and the chain-of-custody form -----------------------------------
]
