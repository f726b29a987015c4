"""The admin dashboard: analytics for NGOs."""
