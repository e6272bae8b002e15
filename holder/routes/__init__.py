"""The holder controller's HTTP routes: staff (`/patients`) and the patient's own (`/me`)."""
