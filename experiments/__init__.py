"""Loyalty Lab domain package: store, ingest, design, metrics, stats, CLV, reports. No Streamlit."""
