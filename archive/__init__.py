"""Read side of Docket: the catalog, the search index and everything that queries them."""
