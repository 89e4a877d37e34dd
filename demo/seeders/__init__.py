"""One seeder per app. Each writes only through that app's services (the ones pages, the admin and
the API use), creates only what is missing, and returns how many rows of its kind it created."""
