"""Write side of Docket: crawl a collection, extract, enrich and write the catalog and index."""
