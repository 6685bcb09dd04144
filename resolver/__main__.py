from resolver.cli import launch

launch()
