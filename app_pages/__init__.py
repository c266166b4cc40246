"""Pages of the Streamlit app (app.py). Pages are thin: they call the query library and loaders."""
