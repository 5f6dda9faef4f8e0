"""HTML reading shared by the source kinds: decoding and trees (tree, events, nodes), CSS selectors (css),
article pages (article_page), page metadata (page_meta) and media captions (media)."""
