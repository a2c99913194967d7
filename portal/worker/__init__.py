"""The background worker: periodic jobs leased across workers, and the loop that runs them."""
